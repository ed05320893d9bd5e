"""The Praxis web app (Python 3.11 env): the widget's script and its demo page.

The widget itself is JavaScript (``web/widget/``), built into one script by ``make setup`` with
npm packages (socket.io-client, markdown-it); it talks to the Rasa server's socket.io channel
directly. This app serves that script and a page that shows it.
"""
