// The Praxis chat widget: <praxis-chat server="https://praxis.example.ac.uk"></praxis-chat>.
//
// Attributes: server (the Rasa server's URL), chat-title, accent (a CSS colour for the header and
// buttons), accent-text (the colour of text on it; chosen for contrast when left out), open (start
// opened), session-code (a trainer's group session, offered to join; so is ?session=CODE in the
// page's address: the practitioner is asked first). It speaks to Rasa's socket.io channel with a session id kept in localStorage, so
// a reload or a dropped connection resumes the same conversation and shows its history again.
import { io } from "socket.io-client";
import css from "./style.css";
import { botContent, el } from "./render.js";

const GREETING = "/greet";
const SLOW_REPLY_MS = 20000;

// WCAG relative luminance of a CSS colour, read back from the browser's computed style.
function luminance(colour) {
  const probe = document.createElement("span");
  probe.style.color = colour;
  document.body.append(probe);
  const rgb = getComputedStyle(probe).color.match(/[\d.]+/g) || ["0", "0", "0"];
  probe.remove();
  const [r, g, b] = rgb.slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

class PraxisChat extends HTMLElement {
  static observedAttributes = ["chat-title", "accent", "accent-text"];

  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.outbox = [];       // messages typed while not connected, sent once the session resumes
    this.limit = 4000;      // replaced by the server's own limit when it connects
    this.ready = false;     // connected and the session confirmed
    this.waiting = null;    // timer while a reply is awaited
  }

  get server() { return (this.getAttribute("server") || window.location.origin).replace(/\/$/, ""); }
  get storageKey() { return `praxis:session:${this.server}`; }

  // The group session code given by the page (attribute or ?session=), if it looks like one.
  get joinCode() {
    const code = this.getAttribute("session-code")
      || new URLSearchParams(window.location.search).get("session") || "";
    return /^[A-Za-z0-9][A-Za-z0-9 -]{5,15}$/.test(code) ? code.trim() : "";
  }

  connectedCallback() {
    if (this.panel) {  // moved in the page: take up the conversation again
      if (this.socket && !this.socket.connected) this.socket.connect();
      return;
    }
    this.build();
    this.applyTheme();
    this.setOpen(this.hasAttribute("open") || Boolean(this.joinCode), false);
    this.connect();
  }

  disconnectedCallback() { if (this.socket) this.socket.close(); }

  attributeChangedCallback() { if (this.panel) this.applyTheme(); }

  build() {
    const id = (name) => `praxis-${name}`;
    this.root.append(el("style", { text: css }));
    this.launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false",
      "aria-controls": id("panel"), onclick: () => this.setOpen(true) },
      el("span", { "aria-hidden": "true", class: "launcher-icon", text: "💬" }),
      el("span", { class: "launcher-label" }));
    this.heading = el("h2", { id: id("title") });
    this.newButton = el("button", { type: "button", class: "header-button",
      onclick: () => this.askNew(true), text: "New conversation" });
    this.closeButton = el("button", { type: "button", class: "header-button",
      "aria-label": "Close chat", onclick: () => this.setOpen(false) },
    el("span", { "aria-hidden": "true", text: "✕" }));
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite",
      "aria-relevant": "additions", "aria-labelledby": id("title"), tabindex: "0" });
    this.typing = el("div", { class: "typing", hidden: true },
      el("span", { class: "dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")),
      el("span", { text: "Praxis is writing…" }));
    this.status = el("div", { class: "status", role: "status", "aria-live": "polite" });
    this.statusText = el("span");
    this.retryButton = el("button", { type: "button", class: "retry", hidden: true,
      onclick: () => this.retry(), text: "Retry" });
    this.status.append(this.statusText, this.retryButton);
    this.input = el("textarea", { id: id("input"), rows: "2", autocomplete: "off",
      "aria-describedby": id("counter"), placeholder: "Type your message…" });
    this.counter = el("p", { id: id("counter"), class: "counter", "aria-live": "polite" });
    this.sendButton = el("button", { type: "submit", class: "send", text: "Send" });
    this.form = el("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); this.sendTyped(); } },
      el("label", { for: id("input"), class: "visually-hidden", text: "Your message" }),
      this.input, this.sendButton, this.counter);
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.sendTyped(); }
    });
    this.input.addEventListener("input", () => this.checkLength());
    this.deleteButton = el("button", { type: "button", class: "link-button",
      onclick: () => this.askToDelete(true), text: "Delete my conversation" });
    this.confirmDelete = el("div", { class: "confirm", role: "group", "aria-labelledby": id("confirm"), hidden: true },
      el("p", { id: id("confirm"), text: "Delete this whole conversation from Praxis? This cannot be undone." }),
      el("button", { type: "button", class: "danger", onclick: () => this.deleteConversation(), text: "Delete" }),
      el("button", { type: "button", class: "choice", onclick: () => this.askToDelete(false), text: "Cancel" }));
    // "New conversation" asks what becomes of this one: deleted from Praxis, or kept to come
    // back to on this browser (its history and its journal).
    this.confirmNew = el("div", { class: "confirm", role: "group", "aria-labelledby": id("confirm-new"), hidden: true },
      el("p", { id: id("confirm-new"), text: "Start a new conversation. Delete this one from Praxis, or keep it to come back to on this browser?" }),
      el("button", { type: "button", class: "danger", onclick: () => { this.askNew(false); this.deleteConversation(); }, text: "Delete it" }),
      el("button", { type: "button", class: "choice", onclick: () => { this.askNew(false); this.keep(this.sessionId()); this.newConversation(); }, text: "Keep it" }),
      el("button", { type: "button", class: "choice", onclick: () => this.askNew(false), text: "Cancel" }));
    this.backButton = el("button", { type: "button", class: "link-button", hidden: true,
      onclick: () => this.reopen() });
    this.panel = el("section", { id: id("panel"), class: "panel", "aria-labelledby": id("title") },
      el("header", {}, this.heading, el("div", { class: "header-actions" }, this.newButton, this.closeButton)),
      this.log, this.typing, this.status, this.form,
      el("div", { class: "footer" }, this.confirmNew, this.deleteButton, this.confirmDelete, this.backButton));
    this.showKept();
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { e.stopPropagation(); this.setOpen(false); }
    });
    this.root.append(this.launcher, this.panel);
  }

  applyTheme() {
    const title = this.getAttribute("chat-title") || "Praxis";
    this.heading.textContent = title;
    this.launcher.querySelector(".launcher-label").textContent = `Chat with ${title}`;
    const accent = this.getAttribute("accent");
    if (accent) this.style.setProperty("--praxis-accent", accent);
    const text = this.getAttribute("accent-text")
      || (accent ? (luminance(accent) > 0.179 ? "#111111" : "#ffffff") : null);
    if (text) this.style.setProperty("--praxis-accent-text", text);
  }

  // Opening moves focus to the message box and closing back to the launcher, except when the page
  // opens the widget as it loads: a page's own content keeps the focus.
  setOpen(open, moveFocus = true) {
    this.panel.hidden = !open;
    this.launcher.hidden = open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.toggleAttribute("open", open);
    if (open) this.scrollDown();
    if (moveFocus) (open ? this.input : this.launcher).focus();
  }

  // --- the connection ------------------------------------------------------------------------

  connect() {
    this.socket = io(this.server, { transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
    this.socket.on("connect", () => {
      this.ready = false;
      this.setStatus("");
      this.socket.emit("session_request", { session_id: this.sessionId() });
    });
    this.socket.on("session_confirm", (sessionId) => {
      const id = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
      if (id) {
        this.session = id;  // this connection's conversation, whatever other tabs do
        localStorage.setItem(this.storageKey, id);
      }
    });
    this.socket.on("limits", (limits) => {
      if (limits && Number.isFinite(limits.max_message_chars)) this.limit = limits.max_message_chars;
      this.checkLength();
    });
    this.socket.on("history", (messages) => this.resume(Array.isArray(messages) ? messages : []));
    this.socket.on("bot_uttered", (message) => this.receive(message || {}));
    this.socket.on("session_deleted", () => this.deleted());
    this.socket.on("disconnect", (reason) => {
      this.ready = false;
      if (reason !== "io client disconnect") this.setStatus("Connection lost. Reconnecting…");
    });
    this.socket.on("connect_error", () => {
      this.ready = false;
      this.setStatus("Praxis can't be reached right now. Your messages are kept and will be "
        + "sent when the connection is back.", true);
    });
  }

  // The conversation to ask for on (re)connecting: this tab's, else the browser's latest.
  sessionId() { return this.session || localStorage.getItem(this.storageKey); }

  retry() {
    this.setStatus("Connecting…");
    if (this.socket.connected) this.socket.disconnect();
    this.socket.connect();
  }

  // The session is confirmed: show its history, then send what waited.
  resume(messages) {
    this.log.replaceChildren();
    for (const m of messages) {
      if (m.from === "user") this.showUser(m.text);
      else this.showBot(m, false);
    }
    this.lockOldChoices();
    this.ready = true;
    const waiting = this.outbox.splice(0);
    const code = this.joinCode;
    const joined = `praxis:joined:${this.server}:${this.session}:${code}`;
    if (code && !sessionStorage.getItem(joined)) {  // once per conversation and tab
      sessionStorage.setItem(joined, "1");
      this.emit(`/offer_session${JSON.stringify({ session_code: code })}`);  // asks first
    } else if (!messages.length && !waiting.length) this.emit(GREETING);
    for (const m of waiting) { this.showUser(m.shown); this.emit(m.payload); }
    this.scrollDown();
  }

  newConversation() {
    this.session = null;
    localStorage.removeItem(this.storageKey);
    this.outbox = [];
    this.log.replaceChildren();
    this.hideTyping();
    this.ready = false;
    if (this.socket.connected) this.socket.emit("session_request", { session_id: null });
    else this.retry();
    this.input.focus();
  }

  // --- kept conversations: reachable again from this browser ---------------------------------

  get keptKey() { return `${this.storageKey}:kept`; }

  kept() {
    try {
      const list = JSON.parse(localStorage.getItem(this.keptKey) || "[]");
      return Array.isArray(list) ? list.filter((k) => k && typeof k.id === "string") : [];
    } catch { return []; }
  }

  keep(id) {
    if (!id) return;
    const list = [{ id, at: new Date().toISOString() }, ...this.kept().filter((k) => k.id !== id)];
    localStorage.setItem(this.keptKey, JSON.stringify(list.slice(0, 10)));
    this.showKept();
  }

  showKept() {
    const [latest] = this.kept();
    this.backButton.hidden = !latest;
    if (latest) {
      const when = new Date(latest.at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
      this.backButton.textContent = `Back to the conversation kept on ${when}`;
    }
  }

  // Go back to the latest kept conversation; the one open now is kept in its place.
  reopen() {
    const [latest, ...rest] = this.kept();
    if (!latest) return;
    localStorage.setItem(this.keptKey, JSON.stringify(rest));
    if (this.log.querySelector(".message.user")) this.keep(this.sessionId());
    this.session = latest.id;
    localStorage.setItem(this.storageKey, latest.id);
    this.outbox = [];
    this.log.replaceChildren();
    this.ready = false;
    this.showKept();
    if (this.socket.connected) this.socket.emit("session_request", { session_id: latest.id });
    else this.retry();
    this.input.focus();
  }

  askNew(asking) {
    if (asking && !this.log.querySelector(".message.user")) {  // nothing said yet: nothing to keep
      this.newConversation();
      return;
    }
    this.confirmNew.hidden = !asking;
    this.newButton.disabled = asking;
    (asking ? this.confirmNew.querySelector(".choice") : this.newButton).focus();
  }

  askToDelete(asking) {
    this.confirmDelete.hidden = !asking;
    this.deleteButton.hidden = asking;
    (asking ? this.confirmDelete.querySelector(".danger") : this.deleteButton).focus();
  }

  deleteConversation() {
    if (!this.socket.connected || !this.sessionId()) {
      this.setStatus("Not connected: your conversation can be deleted once the connection is back.", true);
      return;
    }
    this.socket.emit("delete_session", { session_id: this.sessionId() });
  }

  // The server deleted the conversation: forget it here too, and start afresh.
  deleted() {
    this.askToDelete(false);
    this.newConversation();
    this.setStatus("Your conversation was deleted from Praxis.");
  }

  emit(payload) {
    this.socket.emit("user_uttered", { message: payload, session_id: this.sessionId() });
    this.showTyping();
  }

  // --- sending -------------------------------------------------------------------------------

  checkLength() {
    const length = this.input.value.length;
    const over = length - this.limit;
    this.sendButton.disabled = over > 0;
    this.input.setAttribute("aria-invalid", String(over > 0));
    this.counter.classList.toggle("over", over > 0);
    this.counter.textContent = over > 0
      ? `Too long by ${over.toLocaleString()} characters: the limit is ${this.limit.toLocaleString()}.`
      : length > this.limit * 0.8 ? `${length.toLocaleString()} of ${this.limit.toLocaleString()} characters` : "";
  }

  sendTyped() {
    const text = this.input.value.trim();
    if (!text) return;
    if (text.length > this.limit) { this.checkLength(); return; }
    this.input.value = "";
    this.checkLength();
    this.send(text, text);
  }

  send(payload, shown) {
    if (!this.ready) {
      this.outbox.push({ payload, shown });
      this.setStatus("Not connected. Your message will be sent when the connection is back.", true);
      return;
    }
    this.showUser(shown);
    this.emit(payload);
  }

  // A choice is sent as its payload and shown as its title; its buttons are then disabled, so the
  // focus moves on to the message box rather than being lost.
  choose(reply) {
    this.send(reply.payload, reply.title);
    this.input.focus();
  }

  // --- showing -------------------------------------------------------------------------------

  receive(message) {
    this.hideTyping();
    this.showBot(message, true);
  }

  showUser(text) {
    this.log.append(el("div", { class: "message user" },
      el("span", { class: "visually-hidden", text: "You said: " }),
      el("p", { class: "plain", text })));
    this.lockOldChoices();
    this.scrollDown();
  }

  showBot(message, live) {
    const custom = message.custom || {};
    const body = el("div", { class: `message bot${custom.notice ? " notice" : ""}` },
      el("span", { class: "visually-hidden", text: "Praxis said: " }), ...botContent(message));
    const replies = Array.isArray(message.quick_replies) ? message.quick_replies : [];
    if (replies.length) {
      body.append(el("div", { class: "choices", role: "group", "aria-label": "Choices" },
        ...replies.map((r) => el("button", { type: "button", class: "choice", text: r.title,
          onclick: () => this.choose(r) }))));
    }
    if (custom.reflection && custom.reflection.markdown) {
      const doc = custom.reflection;
      body.append(el("button", { type: "button", class: "download",
        onclick: () => this.download(doc), text: "Download my reflection" },
      el("span", { class: "visually-hidden", text: ` (${doc.filename || "Markdown file"})` })));
    }
    this.log.append(body);
    if (live) this.scrollDown();
  }

  // Only the latest message's choices stay clickable.
  lockOldChoices() {
    const groups = [...this.log.querySelectorAll(".choices")];
    const last = this.log.lastElementChild;
    for (const group of groups) {
      const current = last && last.contains(group);
      for (const b of group.querySelectorAll("button")) b.disabled = !current;
    }
  }

  download(doc) {
    const blob = new Blob([doc.markdown], { type: "text/markdown;charset=utf-8" });
    const link = el("a", { href: URL.createObjectURL(blob), download: doc.filename || "reflection.md" });
    this.root.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  showTyping() {
    this.typing.hidden = false;
    clearTimeout(this.waiting);
    this.waiting = setTimeout(() => this.setStatus("Praxis is taking longer than usual…"), SLOW_REPLY_MS);
    this.scrollDown();
  }

  hideTyping() {
    this.typing.hidden = true;
    clearTimeout(this.waiting);
    if (this.statusText.textContent.startsWith("Praxis is taking")) this.setStatus("");
  }

  setStatus(text, canRetry = false) {
    this.statusText.textContent = text;
    this.retryButton.hidden = !canRetry;
    this.status.classList.toggle("shown", Boolean(text));
  }

  scrollDown() {
    const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    this.log.scrollTo({ top: this.log.scrollHeight, behavior: reduce ? "auto" : "smooth" });
  }
}

if (!customElements.get("praxis-chat")) customElements.define("praxis-chat", PraxisChat);
