"""The eight reflection themes, one per key finding of the report, and their prompts.

Every theme follows one reflective model throughout: "What? So what? Now what?" (Borton, 1970;
Rolfe, Freshwater and Jasper, 2001). *What?* describes a situation, *So what?* makes sense of it
against the finding, *Now what?* looks at options, and the reflection ends with one concrete next
step: the practitioner's own action, who it involves, and when.
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL_NAME = "What? So what? Now what?"
MODEL_SOURCES = (
    "The reflection follows Borton's (1970) \"What? So what? Now what?\", as Rolfe, Freshwater "
    "and Jasper (2001) developed it for nursing and the helping professions; Driscoll's version "
    "of the same three questions is widely used in the UK helping professions.")
DEPTH_SOURCE = (
    "Where it went deeper is read on Hatton and Smith's (1995) four levels of reflective "
    "writing, developed with student teachers: descriptive writing, descriptive reflection, "
    "dialogic reflection and critical reflection.")
STEPS = ("answer_what", "answer_so_what", "answer_now_what", "next_step")
STEP_LABELS = {
    "answer_what": "What?",
    "answer_so_what": "So what?",
    "answer_now_what": "Now what?",
    "next_step": "Now what: your next step.",
}


@dataclass(frozen=True)
class Theme:
    key: str
    title: str
    section: str  # the report section (key finding) the theme is built on
    what: str
    so_what: str
    now_what: str
    next_step: str
    keywords: tuple[str, ...] = ()

    def prompt(self, step: str) -> str:
        return {
            "answer_what": self.what,
            "answer_so_what": self.so_what,
            "answer_now_what": self.now_what,
            "next_step": self.next_step,
        }[step]


THEMES: dict[str, Theme] = {
    t.key: t
    for t in (
        Theme(
            key="power_dynamics",
            title="Power dynamics",
            section="The central role of power dynamics",
            what="Think of a recent decision about your practice (a new service, a change you "
            "proposed, something you were asked to stop). Who made it, and how did it reach you?",
            so_what="Looking back at that decision: whose priorities steered it, and how did the "
            "power structures of your institution shape what felt possible for you?",
            now_what="If you recognised those dynamics openly, what could you do differently: "
            "whose support could you seek, what evidence could you bring, where could you "
            "influence earlier?",
            next_step="One concrete step: what will you do, with whom, and by when?",
            keywords=("power dynamic", "power structure", "decision", "hierarchy"),
        ),
        Theme(
            key="empowerment",
            title="Constructing empowerment",
            section="Constructing practitioner empowerment",
            what="Describe a time you found a way to make something happen in your role despite "
            "limits on your authority. What did you do?",
            so_what="What made that possible: which relationships, knowledge or ways of working "
            "gave you the power to act, and what does that tell you about how you build it?",
            now_what="Where else in your work could you construct that kind of empowerment, to "
            "meet what students, your institution or current policy need from you?",
            next_step="One concrete step to build your power to act: what will you do, "
            "with whom, and by when?",
            keywords=("empower", "constructing", "agency"),
        ),
        Theme(
            key="systems_thinking",
            title="Systems thinking",
            section="Systems thinking",
            what="Pick one challenge in your careers work that keeps coming back. Describe it, and "
            "list the parts of the institution it touches (faculties, services, systems, people).",
            so_what="Seen as a system rather than a single problem: how do those parts interact, "
            "and where does the challenge really start?",
            now_what="Where in that system could a small change have the widest effect, and who "
            "else would need to be part of it?",
            next_step="One concrete step that works with the system: what will you do, "
            "with whom, and by when?",
            keywords=("system", "bigger picture", "whole institution"),
        ),
        Theme(
            key="group_guidance",
            title="Group-based guidance and innovation",
            section="Contrasting perspectives",
            what="Think about group-based guidance (workshops, group sessions) in your service. "
            "Describe a time it was proposed, tried or turned down. What happened?",
            so_what="Looking back, what made it hard or easy to go ahead, and where did that come "
            "from?",
            now_what="If resistance is not the main barrier, what would make group-based guidance "
            "easier to try where you work, and who decides that?",
            next_step="One concrete step towards trying or improving group-based "
            "guidance: what will you do, with whom, and by when?",
            keywords=("group", "workshop", "contrasting"),
        ),
        Theme(
            key="leadership",
            title="Leadership",
            section="Leadership's role",
            what="Describe a moment when leadership, your own manager's or the institution's, "
            "opened or closed the door on a new idea in your careers service.",
            so_what="What does that moment say about how evidence, hierarchy and leadership "
            "interact in your institution? What evidence counted, and whose voice?",
            now_what="What could you ask of your leaders, or offer them, so that evidence-based "
            "innovation gets a fair hearing? Where might structures need to change?",
            next_step="One concrete step with leadership: what will you do, with whom, "
            "and by when?",
            keywords=("leader", "manager", "management", "senior"),
        ),
        Theme(
            key="social_norms",
            title="Social norms of practice",
            section="Influence of social norms",
            what="Name an unwritten rule of your profession or team (how things are done, what is "
            "'not our place', what a good practitioner looks like). Where did you notice it "
            "lately?",
            so_what="How does that norm shape what you and your colleagues try, and what it stops "
            "you from trying? Who benefits from it staying as it is?",
            now_what="What would it take to question that norm openly with your team, and what "
            "might you try if it no longer applied?",
            next_step="One concrete step to reflect on or challenge that norm: what will "
            "you do, with whom, and by when?",
            keywords=("norm", "unwritten", "culture", "social norms"),
        ),
        Theme(
            key="language_identity",
            title="Language and identity",
            section="Language and identity crisis",
            what="Think of a time the words used about your work, 'guidance' as a process or as an "
            "appointment, 'careers adviser', 'just a chat', shaped how someone saw your role. "
            "What was said?",
            so_what="What did those words suggest about your role, and how did that affect the "
            "way your work was understood or valued?",
            now_what="How could you describe your work so that students, academics and managers "
            "understand what you actually do? What words would you choose or drop?",
            next_step="One concrete step for the language of your work: what will you "
            "do, with whom, and by when?",
            keywords=("language", "identity", "guidance", "word", "words"),
        ),
        Theme(
            key="power_with_others",
            title="Power to and with others",
            section="Power, a multifaceted need",
            what="Describe a situation where you needed more power, not for yourself, but to shape "
            "a student's experience, address a social justice concern or make a process work.",
            so_what="What would that power have let you do, and with whom? What did not having "
            "it cost the people you work for?",
            now_what="Who could you build power with (colleagues, students, academics, employers) "
            "to act on that need together?",
            next_step="One concrete step to build power with others: what will you do, "
            "with whom, and by when?",
            keywords=("power with", "power to", "multifaceted", "social justice"),
        ),
    )
}


def match_theme(text: str) -> Theme | None:
    """The theme a piece of text names: its key, its title or one of its keywords."""
    t = text.strip().lower().replace("_", " ")
    if not t:
        return None
    for theme in THEMES.values():
        if t in (theme.key.replace("_", " "), theme.title.lower(), theme.section.lower()):
            return theme
    for theme in THEMES.values():
        if theme.title.lower() in t or theme.section.lower() in t:
            return theme
    hits = [th for th in THEMES.values() if any(k in t for k in th.keywords)]
    return hits[0] if len(hits) == 1 else None


@dataclass(frozen=True)
class SessionPrompt:
    """One prompt of a trainer's group session: a step of one of its themes, or its closing
    question."""

    index: int
    theme: str  # the theme's key; "" for the closing question
    step: str  # one of STEPS; "" for the closing question
    label: str  # e.g. "Power dynamics: So what?"
    text: str


CLOSING_LABEL = "Closing question"


def session_prompts(theme_keys: list[str] | tuple[str, ...],
                    closing_question: str = "") -> list[SessionPrompt]:
    """The prompts of a group session, in order: each theme's four steps, then the closing
    question if there is one."""
    prompts: list[SessionPrompt] = []
    for key in theme_keys:
        theme = THEMES[key]
        for step in STEPS:
            prompts.append(SessionPrompt(len(prompts), key, step,
                                         f"{theme.title}: {STEP_LABELS[step]}",
                                         theme.prompt(step)))
    if closing_question.strip():
        prompts.append(SessionPrompt(len(prompts), "", "", CLOSING_LABEL,
                                     closing_question.strip()))
    return prompts
