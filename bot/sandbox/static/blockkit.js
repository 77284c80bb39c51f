// Block Kit and mrkdwn, drawn as Slack draws them. Whatever is not understood is drawn as a
// visible "unsupported" box, never dropped.
"use strict";

const BlockKit = (() => {
  const EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", ballot_box_with_check: "☑️", white_large_square: "⬜", coffee: "☕",
    wave: "👋", tada: "🎉", calendar: "📆", date: "📅", spiral_calendar_pad: "🗓️", clock1: "🕐",
    alarm_clock: "⏰", hourglass: "⌛", star: "⭐", pushpin: "📌", link: "🔗", memo: "📝",
    books: "📚", book: "📖", bulb: "💡", speech_balloon: "💬", microphone: "🎤", movie_camera: "🎥",
    video_camera: "📹", page_facing_up: "📄", bar_chart: "📊", warning: "⚠️", x: "❌",
    arrow_right: "➡️", arrow_forward: "▶️", bell: "🔔", no_bell: "🔕", raising_hand: "🙋",
    thumbsup: "👍", "+1": "👍", eyes: "👀", rocket: "🚀", sparkles: "✨", ticket: "🎫",
    round_pushpin: "📍", busts_in_silhouette: "👥", bust_in_silhouette: "👤", trophy: "🏆",
    heavy_plus_sign: "➕", large_blue_circle: "🔵", white_circle: "⚪", red_circle: "🔴",
    small_blue_diamond: "🔹", lock: "🔒", mag: "🔍", wastebasket: "🗑️", pencil2: "✏️",
  };

  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  // Slack escapes exactly these three in text it carries
  const unslack = (s) => String(s).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  const emoji = (html) => html.replace(/:([a-z0-9_+\-]+):/g, (m, name) => EMOJI[name] || m);

  let ctx = { names: {}, channels: {}, people: [], now: () => new Date() };
  function configure(options) { ctx = { ...ctx, ...options }; }

  // ---- dates: <!date^ts^format^link|fallback> in the reader's own zone ----
  function sameDay(a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }
  // Intl formatters are costly to build (a message may carry dozens of dates): one per style
  const formatters = new Map();
  function fmt(kind, options) {
    const key = kind + JSON.stringify(options);
    if (!formatters.has(key)) {
      formatters.set(key, kind === "relative"
        ? new Intl.RelativeTimeFormat("en", options)
        : new Intl.DateTimeFormat("en-GB", options));
    }
    return formatters.get(key);
  }
  function pretty(d, style) {
    const now = ctx.now();
    const tomorrow = new Date(now); tomorrow.setDate(now.getDate() + 1);
    const yesterday = new Date(now); yesterday.setDate(now.getDate() - 1);
    if (sameDay(d, now)) return "today";
    if (sameDay(d, tomorrow)) return "tomorrow";
    if (sameDay(d, yesterday)) return "yesterday";
    return dateIn(d, style);
  }
  function dateIn(d, style) {
    const year = d.getFullYear() !== ctx.now().getFullYear() ? { year: "numeric" } : {};
    if (style === "short") return fmt("date", { month: "short", day: "numeric", ...year }).format(d);
    if (style === "long") return fmt("date", { weekday: "long", month: "long", day: "numeric", ...year }).format(d);
    return fmt("date", { month: "long", day: "numeric", ...year }).format(d);
  }
  // each part is worked out only when the format asks for it
  const PARTS = {
    date_num: (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`,
    date: (d) => dateIn(d), date_short: (d) => dateIn(d, "short"), date_long: (d) => dateIn(d, "long"),
    date_pretty: (d) => pretty(d), date_short_pretty: (d) => pretty(d, "short"), date_long_pretty: (d) => pretty(d, "long"),
    time: (d) => fmt("date", { hour: "2-digit", minute: "2-digit" }).format(d),
    time_secs: (d) => fmt("date", { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(d),
    day_divider_pretty: (d) => pretty(d, "long"),
    ago: (d) => relative(d),
  };
  function formatDate(seconds, format) {
    const d = new Date(Number(seconds) * 1000);
    return format.replace(/\{(\w+)\}/g, (m, k) => (Object.hasOwn(PARTS, k) ? PARTS[k](d) : m));
  }
  // a day divider as Slack draws it: "Today", "Yesterday", "Tuesday, December 8th"
  function dayDivider(seconds) {
    const d = new Date(Number(seconds) * 1000), now = ctx.now();
    const yesterday = new Date(now); yesterday.setDate(now.getDate() - 1);
    if (sameDay(d, now)) return "Today";
    if (sameDay(d, yesterday)) return "Yesterday";
    const n = d.getDate(), tens = n % 100;
    const th = tens >= 11 && tens <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th";
    const day = `${fmt("date", { weekday: "long" }).format(d)}, ${fmt("date", { month: "long" }).format(d)} ${n}${th}`;
    return d.getFullYear() === now.getFullYear() ? day : `${day}, ${d.getFullYear()}`;
  }
  function relative(d) {
    const minutes = Math.round((d - ctx.now()) / 60000);
    const rtf = fmt("relative", { numeric: "auto" });
    if (Math.abs(minutes) < 60) return rtf.format(minutes, "minute");
    if (Math.abs(minutes) < 1440) return rtf.format(Math.round(minutes / 60), "hour");
    return rtf.format(Math.round(minutes / 1440), "day");
  }

  // ---- one <...> token ----
  function token(inner) {
    const [target, ...rest] = inner.split("|");
    const label = rest.join("|");
    if (target.startsWith("@")) {
      const id = target.slice(1);
      return `<span class="mention" data-user="${esc(id)}">@${esc(ctx.names[id] || label || id)}</span>`;
    }
    if (target.startsWith("#")) {
      const id = target.slice(1);
      return `<span class="mention">#${esc(unslack(label || ctx.channels[id] || id))}</span>`;
    }
    if (target.startsWith("!date^")) {
      const [, seconds, format, link] = target.split("^");
      const shown = esc(formatDate(seconds, unslack(format || "{date}")));
      // the format is kept, so a date is drawn again when the sandbox's clock moves
      const title = `title="${esc(unslack(label))}" data-date="${esc(seconds)}" data-format="${esc(unslack(format || "{date}"))}"`;
      return link && /^https?:/.test(link)
        ? `<a class="date" ${title} href="${esc(unslack(link))}" target="_blank" rel="noopener">${shown}</a>`
        : `<time class="date" ${title}>${shown}</time>`;
    }
    if (target.startsWith("!subteam^")) return `<span class="mention">${esc(unslack(label || "@group"))}</span>`;
    if (target.startsWith("!")) return `<span class="mention">@${esc(target.slice(1))}</span>`;
    const url = unslack(target);
    const text = label ? inline(label) : esc(url);
    if (/^(https?:|mailto:)/i.test(url)) {
      return `<a href="${esc(url)}" target="_blank" rel="noopener">${text}</a>`;
    }
    return `<span class="link-unsafe" title="not a web link">${text}</span>`;
  }

  // bold, italic, strike on already escaped text; Slack's rule: markers next to a boundary
  function styles(html) {
    const edge = "(^|[\\s(\\[{\"'“‘>])";
    const end = "(?=$|[\\s)\\]}.,!?:;\"'”’<])";
    const mark = (ch, tag) => new RegExp(`${edge}\\${ch}(?!\\s)([^\\n${ch}]*?[^\\s${ch}])\\${ch}${end}`, "g");
    return html
      .replace(mark("*", "b"), "$1<b>$2</b>")
      .replace(mark("_", "i"), "$1<i>$2</i>")
      .replace(mark("~", "s"), "$1<s>$2</s>");
  }

  // text without code: tokens, then styles, then emoji
  function inline(text) {
    const held = [];
    const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
    let out = String(text).replace(/<([^<>\n]+)>/g, (m, inner) => hold(token(inner)));
    out = out.split(/(\u0000\d+\u0000)/).map((part) => (/^\u0000\d+\u0000$/.test(part) ? part : esc(unslack(part)))).join("");
    out = emoji(styles(out));
    return out.replace(/\u0000(\d+)\u0000/g, (m, n) => held[Number(n)]);
  }

  function mrkdwn(text) {
    const parts = String(text || "").split(/(```[\s\S]*?```|`[^`\n]+`)/);
    let html = parts.map((part) => {
      if (part.startsWith("```") && part.length >= 6) return `<pre>${esc(unslack(part.slice(3, -3)))}</pre>`;
      if (part.startsWith("`") && part.endsWith("`") && part.length >= 2) return `<code>${esc(unslack(part.slice(1, -1)))}</code>`;
      return inline(part);
    }).join("");
    // quotes: lines starting with ">" (sent as "&gt;" or ">", escaped alike by now), never
    // inside a code block, nor a line that begins inside one
    html = html.split(/(<pre>[\s\S]*?<\/pre>)/).map((segment, n) => (segment.startsWith("<pre>") ? segment
      : segment.split("\n").map((line, i) => ((n === 0 || i > 0) && line.startsWith("&gt;")
        ? `<blockquote>${line.replace(/^&gt; ?/, "")}</blockquote>` : line)).join("\n"))).join("");
    return html.replace(/\n/g, "<br>").replace(/<\/blockquote><br><blockquote>/g, "<br>");
  }

  function text(obj) {
    if (!obj) return "";
    if (typeof obj === "string") return esc(obj);
    if (obj.type === "mrkdwn") return obj.verbatim ? esc(unslack(obj.text)).replace(/\n/g, "<br>") : mrkdwn(obj.text);
    if (obj.type === "plain_text") {
      const plain = esc(obj.text).replace(/\n/g, "<br>");
      return obj.emoji === false ? plain : emoji(plain);
    }
    return unsupported("text", obj.type);
  }

  function unsupported(what, type) {
    return `<div class="unsupported" data-unsupported="${esc(type)}">unsupported ${what}: ${esc(type)}</div>`;
  }

  // ---- elements ----
  const attrs = (el, blockId) =>
    `data-action-id="${esc(el.action_id || "")}" data-block-id="${esc(blockId || "")}" data-type="${esc(el.type)}"`;

  function optionsHtml(el, selected) {
    const one = (o) => `<option value="${esc(o.value)}" data-text="${esc(o.text.text)}"${selected.includes(o.value) ? " selected" : ""}>${esc(o.text.text)}</option>`;
    if (el.option_groups) {
      return el.option_groups.map((g) => `<optgroup label="${esc(g.label.text)}">${g.options.map(one).join("")}</optgroup>`).join("");
    }
    return (el.options || []).map(one).join("");
  }

  function element(el, blockId) {
    switch (el.type) {
      case "button": {
        const style = el.style ? ` ${esc(el.style)}` : "";
        const url = el.url ? ` data-url="${esc(el.url)}"` : "";
        const confirm = el.confirm ? ` data-confirm="${esc(JSON.stringify(el.confirm))}"` : "";
        return `<button type="button" class="bk-button${style}" ${attrs(el, blockId)} data-value="${esc(el.value || "")}"${url}${confirm}>${text(el.text)}${el.url ? " ↗" : ""}</button>`;
      }
      case "static_select":
      case "overflow": {
        // drawn as Slack draws a menu: a button that opens its options when clicked. The
        // options are built only then; fifteen <option>s cost a long answer a quarter of its draw
        const chosen = el.initial_option ? ` data-selected="${esc(JSON.stringify(el.initial_option))}"` : "";
        const choices = el.option_groups ? { option_groups: el.option_groups } : { options: el.options || [] };
        const label = el.type === "overflow" ? "⋯" : text(el.initial_option ? el.initial_option.text : el.placeholder || "Select an item");
        return `<span class="bk-menu-wrap"><button type="button" class="bk-menu${el.type === "overflow" ? " overflow" : ""}" ${attrs(el, blockId)} aria-haspopup="listbox" aria-expanded="false" data-choices="${esc(JSON.stringify(choices))}"${chosen}>${label}</button></span>`;
      }
      case "users_select": {
        // Slack's picker of the workspace's people; its value is the person's id
        const person = ctx.people.find((p) => p.id === el.initial_user);
        const options = ctx.people.map((p) => ({ text: { type: "plain_text", text: p.name }, value: p.id }));
        const chosen = person ? ` data-selected="${esc(JSON.stringify({ text: { type: "plain_text", text: person.name }, value: person.id }))}"` : "";
        const label = person ? esc(person.name) : text(el.placeholder || { type: "plain_text", text: "Select a person" });
        return `<span class="bk-menu-wrap"><button type="button" class="bk-menu users" ${attrs(el, blockId)} aria-haspopup="listbox" aria-expanded="false" data-choices="${esc(JSON.stringify({ options }))}"${chosen}>${label}</button></span>`;
      }
      case "multi_static_select": {
        const initial = (el.initial_options || []).map((o) => o.value);
        return `<select multiple class="bk-select" ${attrs(el, blockId)}>${optionsHtml(el, initial)}</select>`;
      }
      case "plain_text_input": {
        const common = `class="bk-input" ${attrs(el, blockId)} placeholder="${esc(el.placeholder ? el.placeholder.text : "")}"${el.max_length ? ` maxlength="${el.max_length}"` : ""}`;
        return el.multiline
          ? `<textarea ${common} rows="4">${esc(el.initial_value || "")}</textarea>`
          : `<input type="text" ${common} value="${esc(el.initial_value || "")}">`;
      }
      case "checkboxes":
      case "radio_buttons": {
        const kind = el.type === "checkboxes" ? "checkbox" : "radio";
        const chosen = (el.initial_options || (el.initial_option ? [el.initial_option] : [])).map((o) => o.value);
        const name = `${blockId}-${el.action_id}`;
        return `<div class="bk-choices" ${attrs(el, blockId)}>${(el.options || []).map((o) =>
          `<label><input type="${kind}" name="${esc(name)}" value="${esc(o.value)}" data-text="${esc(o.text.text)}"${chosen.includes(o.value) ? " checked" : ""}> ${text(o.text)}${o.description ? `<span class="hint">${text(o.description)}</span>` : ""}</label>`).join("")}</div>`;
      }
      case "datepicker":
        return `<input type="date" class="bk-input" ${attrs(el, blockId)} value="${esc(el.initial_date || "")}">`;
      case "timepicker":
        return `<input type="time" class="bk-input" ${attrs(el, blockId)} value="${esc(el.initial_time || "")}">`;
      case "image":
        return `<img class="bk-image-el" src="${esc(el.image_url || "")}" alt="${esc(el.alt_text || "")}">`;
      case "mrkdwn":
      case "plain_text":
        return `<span class="bk-ctx-text">${text(el)}</span>`;
      default:
        return unsupported("element", el.type);
    }
  }

  // ---- blocks ----
  function block(b) {
    const id = esc(b.block_id || "");
    switch (b.type) {
      case "section": {
        const fields = b.fields ? `<div class="bk-fields">${b.fields.map((f) => `<div>${text(f)}</div>`).join("")}</div>` : "";
        const accessory = b.accessory ? `<div class="bk-accessory">${element(b.accessory, b.block_id)}</div>` : "";
        return `<div class="bk bk-section" data-block-id="${id}"><div class="bk-section-body">${b.text ? `<div class="bk-text">${text(b.text)}</div>` : ""}${fields}</div>${accessory}</div>`;
      }
      case "header":
        return `<div class="bk bk-header" data-block-id="${id}">${text(b.text)}</div>`;
      case "divider":
        return `<hr class="bk bk-divider">`;
      case "context":
        return `<div class="bk bk-context" data-block-id="${id}">${(b.elements || []).map((e) => element(e, b.block_id)).join("")}</div>`;
      case "actions":
        return `<div class="bk bk-actions" data-block-id="${id}">${(b.elements || []).map((e) => element(e, b.block_id)).join("")}</div>`;
      case "input": {
        const optional = b.optional ? ' <span class="optional">(optional)</span>' : "";
        const hint = b.hint ? `<div class="hint">${text(b.hint)}</div>` : "";
        return `<div class="bk bk-input-block" data-block-id="${id}"><label class="bk-label">${text(b.label)}${optional}</label>${element(b.element, b.block_id)}${hint}<div class="bk-error" data-error-for="${id}"></div></div>`;
      }
      case "image":
        return `<figure class="bk bk-image" data-block-id="${id}">${b.title ? `<figcaption>${text(b.title)}</figcaption>` : ""}<img src="${esc(b.image_url || "")}" alt="${esc(b.alt_text || "")}"></figure>`;
      default:
        return `<div class="bk" data-block-id="${id}">${unsupported("block", b.type)}</div>`;
    }
  }

  function blocks(list) { return (list || []).map(block).join(""); }

  // what the inputs in a surface hold, as Slack's state.values
  function state(root) {
    const values = {};
    root.querySelectorAll("[data-action-id]").forEach((node) => {
      const type = node.dataset.type, blockId = node.dataset.blockId, actionId = node.dataset.actionId;
      let value = null;
      if (type === "plain_text_input") value = { type, value: node.value === "" ? null : node.value };
      else if (type === "static_select") value = { type, selected_option: chosen(node) };
      else if (type === "users_select") value = { type, selected_user: (chosen(node) || {}).value || null };
      else if (type === "multi_static_select") value = { type, selected_options: [...node.selectedOptions].map(option) };
      else if (type === "checkboxes") value = { type, selected_options: [...node.querySelectorAll("input:checked")].map(option) };
      else if (type === "radio_buttons") {
        const o = node.querySelector("input:checked");
        value = { type, selected_option: o ? option(o) : null };
      } else if (type === "datepicker") value = { type, selected_date: node.value || null };
      else if (type === "timepicker") value = { type, selected_time: node.value || null };
      if (value) (values[blockId] = values[blockId] || {})[actionId] = value;
    });
    return values;
  }
  function option(node) {
    return { text: { type: "plain_text", text: node.dataset.text || node.textContent, emoji: true }, value: node.value };
  }

  // ---- menus (static_select, overflow): opened on a click, as Slack opens them ----
  const chosen = (menu) => (menu.dataset.selected ? JSON.parse(menu.dataset.selected) : null);

  function closeMenus() {
    document.querySelectorAll(".bk-menu-list").forEach((list) => {
      list.previousElementSibling.setAttribute("aria-expanded", "false");
      list.remove();
    });
  }

  function openMenu(menu) {
    const open = menu.nextElementSibling;
    closeMenus();
    if (open) return; // a second click closes it
    const choices = JSON.parse(menu.dataset.choices);
    const picked = (chosen(menu) || {}).value;
    const one = (o) => `<button type="button" role="option" class="bk-option" aria-selected="${o.value === picked}" data-option="${esc(JSON.stringify(o))}">${text(o.text)}${o.description ? `<span class="hint">${text(o.description)}</span>` : ""}</button>`;
    const list = document.createElement("div");
    list.className = "bk-menu-list";
    list.setAttribute("role", "listbox");
    list.innerHTML = choices.option_groups
      ? choices.option_groups.map((g) => `<div class="bk-option-group">${text(g.label)}</div>${g.options.map(one).join("")}`).join("")
      : choices.options.map(one).join("");
    menu.after(list);
    menu.setAttribute("aria-expanded", "true");
    list.scrollIntoView({ block: "nearest" });
  }

  // an option picked: the menu shows it and holds it; returns the menu, whose action is due
  function pick(optionNode) {
    const list = optionNode.closest(".bk-menu-list");
    const menu = list.previousElementSibling;
    const o = JSON.parse(optionNode.dataset.option);
    menu.dataset.selected = JSON.stringify(o);
    if (menu.dataset.type !== "overflow") menu.innerHTML = text(o.text); // escaped, as drawn in the list
    closeMenus();
    return menu;
  }

  // what one interaction sends as its actions[0]
  function action(node) {
    const base = { action_id: node.dataset.actionId, block_id: node.dataset.blockId, type: node.dataset.type };
    if (node.dataset.type === "button") {
      return { ...base, value: node.dataset.value || undefined, text: { type: "plain_text", text: node.textContent.replace(/ ↗$/, "") } };
    }
    if (node.dataset.type === "static_select" || node.dataset.type === "overflow") {
      return { ...base, selected_option: chosen(node) };
    }
    if (node.dataset.type === "users_select") return { ...base, selected_user: (chosen(node) || {}).value || null };
    if (node.dataset.type === "multi_static_select") return { ...base, selected_options: [...node.selectedOptions].map(option) };
    return base;
  }

  return { configure, mrkdwn, text, blocks, block, element, state, action, esc, formatDate, dayDivider, openMenu, closeMenus, pick };
})();
