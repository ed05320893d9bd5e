// Turning what the bot sends into DOM nodes. Bot text is Markdown rendered by markdown-it with
// raw HTML off, so nothing in a message can become markup or script; the user's own words are
// only ever set as text.
import MarkdownIt from "markdown-it";

const md = new MarkdownIt("zero", { html: false, linkify: true, breaks: true })
  .enable(["emphasis", "list", "link", "linkify", "newline", "paragraph", "escape", "entity"]);

const SAFE_LINK = /^(https?:|mailto:|tel:)/i;
md.validateLink = (url) => SAFE_LINK.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open
  || ((tokens, i, options, env, self) => self.renderToken(tokens, i, options));
md.renderer.rules.link_open = (tokens, i, options, env, self) => {
  tokens[i].attrSet("target", "_blank");
  tokens[i].attrSet("rel", "noopener noreferrer");
  return defaultLinkOpen(tokens, i, options, env, self);
};

// "• " lines (how the bot writes a summary) become a Markdown list.
const bullets = (text) => text.replace(/^[•·] /gm, "- ");

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

export function markdown(text) {
  const box = el("div", { class: "md" });
  box.innerHTML = md.render(bullets(String(text ?? "")));
  return box;
}

export function citation(block) {
  const where = [block.author, block.source ? `“${block.source}”` : ""].filter(Boolean).join(", ");
  return el("details", { class: "citation", open: true },
    el("summary", {},
      el("span", { class: "citation-label", text: block.label || "From the report" }),
      el("span", { class: "citation-section", text: block.section || "" })),
    el("blockquote", { text: block.quote || "" }),
    el("p", { class: "citation-source" },
      "Source: ", block.url && SAFE_LINK.test(block.url)
        ? el("a", { href: block.url, target: "_blank", rel: "noopener noreferrer", text: where })
        : where));
}

// The body of one bot message: its blocks when it has them, else its text.
export function botContent(message) {
  const blocks = message.custom && Array.isArray(message.custom.blocks) ? message.custom.blocks : null;
  if (!blocks) return [markdown(message.text || "")];
  return blocks.map((b) => (b && b.type === "citation" ? citation(b) : markdown(b && b.text)));
}
