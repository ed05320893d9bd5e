"""The web widget in a real browser (Debian's Chromium, driven by Playwright) against the real
stack: a reflection through buttons and typed answers, citations, history after a reload and a
dropped connection, keyboard only, escaping, limits, the download, and axe-core's WCAG checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from praxis.config import ROOT

pytestmark = pytest.mark.e2e

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "test-output"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
TIMEOUT_MS = 30_000
ANSWER = ("Last month my head of service turned down my idea for group workshops because "
          "appointment numbers were what the university measured.")


@pytest.fixture
def page(browser, stack):
    # bypass_csp lets the test put axe-core into the page; the widget runs under the page's CSP
    # in every other test (see test_the_page_runs_under_its_content_security_policy).
    context = browser.new_context(viewport={"width": 1100, "height": 800}, bypass_csp=True,
                                  accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()
    assert page.errors == []


def open_demo(page: Page, stack) -> None:
    page.goto(f"{stack.settings.web_base_url}/")
    expect(page.locator("praxis-chat .message.bot").first).to_contain_text("I'm Praxis")


def bot_messages(page: Page):
    return page.locator("praxis-chat .message.bot")


def say(page: Page, text: str) -> None:
    before = bot_messages(page).count()
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    expect(bot_messages(page)).not_to_have_count(before)


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: "tag", values: tags}});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
                                       nodes: v.nodes.map(n => n.target)}));
    }""", WCAG_A_AA)
    return result


def scrolled_down(page: Page) -> None:
    page.wait_for_function("""() => {
        const log = document.querySelector('praxis-chat').shadowRoot.querySelector('.log');
        return log.scrollHeight - log.scrollTop - log.clientHeight < 2;
    }""")


def session_id(page: Page, stack) -> str | None:
    key = f"praxis:session:{stack.settings.rasa_base_url}"
    return page.evaluate("k => localStorage.getItem(k)", key)


def test_a_reflection_with_citations_that_survives_reload_and_reconnect(page, stack):
    open_demo(page, stack)
    page.get_by_role("button", name="Start a reflection").click()
    page.get_by_role("button", name="Leadership", exact=True).click()
    citation = page.locator("praxis-chat .citation").first
    expect(citation).to_contain_text("From the report")
    expect(citation).to_contain_text("Key findings: Leadership's role")
    expect(citation.locator("blockquote")).to_contain_text("clarion call for higher education")
    expect(citation.locator(".citation-source")).to_contain_text("McLoughlin (2023)")
    citation.locator("summary").click()  # expandable: it folds away and back
    expect(citation.locator("blockquote")).to_be_hidden()
    citation.locator("summary").click()
    expect(citation.locator("blockquote")).to_be_visible()

    say(page, ANSWER)
    expect(bot_messages(page).last).to_contain_text("So what?")
    # the finding quoted with the prompt is not quoted whole again: the sentence the answer touches
    expect(page.locator("praxis-chat .message.bot").filter(
        has_text="That touches the report's finding on leadership's role")).to_have_count(1)
    expect(page.locator("praxis-chat .citation")).to_have_count(1)
    scrolled_down(page)  # the newest message is in view
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "widget-desktop.png"))

    sender = session_id(page, stack)
    shown = page.locator("praxis-chat .message").all_inner_texts()
    page.reload()
    expect(page.locator("praxis-chat .message")).to_have_count(len(shown))
    assert page.locator("praxis-chat .message").all_inner_texts() == shown
    assert session_id(page, stack) == sender
    expect(page.locator("praxis-chat .message.user").nth(0)).to_contain_text("Start a reflection")

    page.evaluate("document.querySelector('praxis-chat').socket.io.engine.close()")  # a drop
    expect(page.locator("praxis-chat .status")).to_contain_text("Reconnecting")
    expect(page.locator("praxis-chat .status")).to_be_hidden()
    say(page, "It made me see that the numbers decide what counts as guidance here.")
    assert session_id(page, stack) == sender
    expect(bot_messages(page).last).to_contain_text("Now what?")


def focused(locator) -> bool:
    return locator.evaluate("e => e.getRootNode().activeElement === e")


def tab_to(page: Page, locator, key: str = "Tab", limit: int = 30) -> None:
    for _ in range(limit):
        if focused(locator):
            return
        page.keyboard.press(key)
    pytest.fail(f"{locator} could not be reached with {key}")


def test_keyboard_only_from_the_page_to_a_choice_close_and_open(page, stack):
    open_demo(page, stack)
    kb = page.keyboard
    box = page.get_by_label("Your message")
    assert not focused(box)  # opening with the page does not take its focus
    tab_to(page, box)
    kb.type("What can you do?")
    kb.press("Enter")
    expect(page.locator("praxis-chat .message.user").last).to_have_text(
        "You said: What can you do?")
    start = page.get_by_role("button", name="Start a reflection").last
    expect(start).to_be_enabled()
    tab_to(page, start, "Shift+Tab")
    assert start.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"  # visible focus
    kb.press("Enter")
    theme = page.get_by_role("button", name="Systems thinking")
    expect(theme).to_be_visible()
    tab_to(page, theme)
    kb.press("Space")
    expect(bot_messages(page).last).to_contain_text("What?")
    kb.press("Escape")
    launcher = page.get_by_role("button", name="Chat with Praxis")
    expect(launcher).to_be_focused()
    expect(page.locator("praxis-chat .panel")).to_be_hidden()
    kb.press("Enter")
    expect(box).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Close chat"), "Shift+Tab", 60)
    kb.press("Enter")
    expect(launcher).to_be_focused()


XSS = [  # four answers to a reflection's prompts, each carrying markup or a script
    "My manager wrote <script>window.__xss = 1</script> in the notes about our group workshops.",
    "In the team meeting <img src=x onerror=\"window.__xss = 1\"> the head of service decided "
    "for all of us.",
    "It means [the board](javascript:window.__xss=1) decides what careers guidance looks like.",
    "I will email my manager by Friday with <a href=\"javascript:window.__xss=1\">the "
    "evidence</a> and <b>data</b>.",
]


def test_what_anyone_writes_is_shown_as_text_never_run(page, stack):
    open_demo(page, stack)
    page.get_by_role("button", name="Start a reflection").click()
    page.get_by_role("button", name="Power dynamics").click()
    nexts = ["So what?", "Now what?", "Now what: your next step.", "Here is your reflection"]
    for text, following in zip(XSS, nexts, strict=True):  # echoed back in the summary
        say(page, text)
        expect(bot_messages(page).last).to_contain_text(following)
    summary = bot_messages(page).last
    for text in XSS[:2]:
        expect(page.locator("praxis-chat .message.user").filter(has_text=text)).to_have_count(1)
    expect(summary).to_contain_text("<script>window.__xss = 1</script> in the notes")
    expect(summary).to_contain_text("<img src=x onerror=")
    expect(summary).to_contain_text("<b>data</b>")
    widget = page.locator("praxis-chat")
    assert widget.locator(".log script, .log img, .log b").count() == 0
    hrefs = widget.locator(".log a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert all(h.startswith(("http:", "https:")) for h in hrefs), hrefs
    assert page.evaluate("window.__xss") is None

    with page.expect_download() as download:
        page.get_by_role("button", name="Download my reflection").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.startswith("praxis-reflection-power-dynamics-")
    assert saved.startswith("# Reflection on power dynamics\n")
    assert "## Findings it connects with" in saved and "## My next step" in saved
    assert "<script>window.__xss = 1</script> in the notes" in saved


def test_over_limit_messages_are_refused_with_a_reason(page, stack):
    open_demo(page, stack)
    limit = stack.settings.max_message_chars
    box = page.get_by_label("Your message")
    box.fill("a" * (limit + 12))
    expect(page.locator("praxis-chat .counter")).to_have_text(
        f"Too long by 12 characters: the limit is {limit:,}.")
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(box).to_have_attribute("aria-invalid", "true")
    box.press("Enter")
    expect(box).to_have_value("a" * (limit + 12))  # nothing lost, nothing sent
    box.fill("a" * limit)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()


def test_typing_indicator_new_conversation_and_an_unreachable_server(page, stack, free_port):
    open_demo(page, stack)
    page.evaluate("""() => {
        const typing = document.querySelector('praxis-chat').shadowRoot.querySelector('.typing');
        window.__typingShown = false;
        new MutationObserver(() => { if (!typing.hidden) window.__typingShown = true; })
            .observe(typing, {attributes: true});
    }""")
    say(page, "hello")
    assert page.evaluate("window.__typingShown") is True
    expect(page.locator("praxis-chat .typing")).to_be_hidden()

    first = session_id(page, stack)
    page.get_by_role("button", name="New conversation").click()
    page.get_by_role("button", name="Keep it").click()
    expect(bot_messages(page)).to_have_count(1)
    expect(page.locator("praxis-chat .message.user")).to_have_count(0)
    assert session_id(page, stack) not in (None, first)

    page.evaluate("""port => {
        document.querySelector('praxis-chat').remove();
        const w = document.createElement('praxis-chat');
        w.setAttribute('server', 'http://127.0.0.1:' + port);
        w.setAttribute('open', '');
        document.body.append(w);
    }""", free_port())
    status = page.locator("praxis-chat .status")
    expect(status).to_contain_text("Praxis can't be reached right now.")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    say_offline = page.get_by_label("Your message")
    say_offline.fill("are you there?")
    say_offline.press("Enter")
    expect(status).to_contain_text("Not connected")
    page.get_by_role("button", name="Retry").click()
    expect(status).to_contain_text("can't be reached")


def test_axe_finds_no_wcag_a_or_aa_violations(page, stack):
    open_demo(page, stack)
    page.get_by_role("button", name="Start a reflection").click()
    page.get_by_role("button", name="Language and identity").click()
    expect(page.locator("praxis-chat .citation")).to_have_count(1)
    say(page, "x" * 10 + " " + "y" * 10)  # an input error state too
    assert axe_violations(page) == []
    page.get_by_role("button", name="Close chat").click()
    assert axe_violations(page) == []  # the launcher alone


@pytest.mark.parametrize("name, viewport", [("320", {"width": 320, "height": 640}),
                                             ("zoom-200", {"width": 640, "height": 400})])
def test_small_screens_and_200_percent_zoom(browser, stack, name, viewport):
    # 200% zoom of a 1280 x 800 window is a 640 x 400 CSS-pixel viewport
    context = browser.new_context(viewport=viewport, bypass_csp=True,
                                  device_scale_factor=2 if name == "zoom-200" else 1)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        open_demo(page, stack)
        page.get_by_role("button", name="Start a reflection").click()
        expect(page.get_by_role("button", name="Leadership", exact=True)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"]  # no sideways scrolling
        box = page.locator("praxis-chat .panel").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        for control in ("Your message", "Send"):
            target = (page.get_by_label(control) if control == "Your message"
                      else page.get_by_role("button", name=control))
            expect(target).to_be_in_viewport()
        assert axe_violations(page) == []
        scrolled_down(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"widget-{name}.png"))
    finally:
        context.close()


def test_reduced_motion_stops_the_typing_animation(page, stack):
    page.emulate_media(reduced_motion="reduce")
    open_demo(page, stack)
    name = page.locator("praxis-chat .dots i").first.evaluate(
        "d => getComputedStyle(d).animationName")
    assert name == "none"


def test_the_page_runs_under_its_content_security_policy(browser, stack):
    context = browser.new_context()
    page = context.new_page()
    try:
        response = page.goto(f"{stack.settings.web_base_url}/")
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and stack.settings.rasa_base_url in csp
        expect(page.locator("praxis-chat .message.bot").first).to_contain_text("I'm Praxis",
                                                                               timeout=TIMEOUT_MS)
    finally:
        context.close()


def test_delete_my_conversation_asks_first_then_deletes_it_for_real(page, stack):
    open_demo(page, stack)
    say(page, "hello")
    old = session_id(page, stack)
    db = stack.settings.path(stack.settings.tracker_db)
    count = "SELECT count(*) FROM events WHERE sender_id = ?"
    with sqlite3.connect(db) as c:
        assert c.execute(count, (old,)).fetchone()[0] > 0
    page.get_by_role("button", name="Delete my conversation").click()
    confirm = page.get_by_role("button", name="Delete", exact=True)
    expect(confirm).to_be_focused()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("button", name="Delete my conversation")).to_be_focused()
    assert session_id(page, stack) == old  # nothing happened
    page.get_by_role("button", name="Delete my conversation").click()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator("praxis-chat .status")).to_contain_text("Your conversation was deleted")
    expect(page.locator("praxis-chat .message.user")).to_have_count(0)
    expect(bot_messages(page)).to_have_count(1)  # a fresh greeting
    assert session_id(page, stack) not in (None, old)
    with sqlite3.connect(db) as c:
        assert c.execute(count, (old,)).fetchone()[0] == 0


def test_a_new_conversation_deletes_or_keeps_the_old_one_never_strands_it(page, stack):
    open_demo(page, stack)
    say(page, "hello")
    first = session_id(page, stack)
    page.get_by_role("button", name="New conversation").click()
    expect(page.get_by_role("button", name="Keep it")).to_be_focused()
    page.get_by_role("button", name="Cancel").click()
    assert session_id(page, stack) == first  # nothing happened
    page.get_by_role("button", name="New conversation").click()
    page.get_by_role("button", name="Keep it").click()
    expect(page.locator("praxis-chat .message.user")).to_have_count(0)
    expect(bot_messages(page)).to_have_count(1)  # a fresh greeting
    second = session_id(page, stack)
    assert second not in (None, first)
    say(page, "what is the report about?")
    back = page.get_by_role("button", name="Back to the conversation kept on")
    back.click()  # the kept one, with its history; the second is kept in its place
    expect(page.locator("praxis-chat .message.user").first).to_contain_text("hello")
    assert session_id(page, stack) == first
    page.get_by_role("button", name="New conversation").click()
    page.get_by_role("button", name="Delete it").click()
    expect(page.locator("praxis-chat .status")).to_contain_text("Your conversation was deleted")
    db = stack.settings.path(stack.settings.tracker_db)
    count = "SELECT count(*) FROM events WHERE sender_id = ?"
    with sqlite3.connect(db) as c:
        assert c.execute(count, (first,)).fetchone()[0] == 0  # deleted for real
        assert c.execute(count, (second,)).fetchone()[0] > 0  # kept
    back.click()
    expect(page.locator("praxis-chat .message.user").first).to_contain_text(
        "what is the report about?")
