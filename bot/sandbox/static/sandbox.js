// The sandbox page: a small Slack client for one person at a time. It talks to the sandbox on
// one WebSocket (requests with ids; the followed person's changes pushed as they happen) and
// redraws only the messages, modals and Home that changed.
"use strict";

const sandbox = (() => {
  const $ = (sel) => document.querySelector(sel);
  const S = {
    me: null, people: [], names: {}, channel: null, surface: "channel",
    seq: 0, offsetMs: 0,
    messages: new Map(), // "channel/ts" -> message
    modals: [], home: null,
    redraws: 0, // message elements replaced in place (the benchmark reads it)
    lastCommand: null, // {sent, received, drawn, painted, ack_seconds}: the benchmark reads it
  };

  // ---- the line to the sandbox ----
  const line = { socket: null, open: null, asked: new Map(), ids: 0, url: null };

  function connect() {
    if (line.open) return line.open;
    line.open = new Promise((resolve) => {
      const socket = new WebSocket(line.url);
      socket.onopen = () => { line.socket = socket; resolve(socket); };
      socket.onmessage = (ev) => received(JSON.parse(ev.data));
      socket.onclose = () => {
        const wasOpen = line.socket === socket;
        line.socket = null; line.open = null;
        for (const [, pending] of line.asked) pending.reject(new Error("the sandbox went away"));
        line.asked.clear();
        if (wasOpen) notice("The connection to the sandbox closed; trying again every second.");
        resolve(null);
        // a restarted sandbox counts its changes afresh: draw everything again from its state
        setTimeout(() => connect().then(async (again) => {
          if (again) { await loadState(); become(S.me); }
        }), 1000);
      };
    });
    return line.open;
  }

  function received(message) {
    if (message.changes) {
      const command = S.lastCommand;
      if (command && !command.received) command.received = performance.now();
      if (message.as === S.me) apply(message.changes);
      return;
    }
    const pending = line.asked.get(message.id);
    if (!pending) return;
    line.asked.delete(message.id);
    if (message.error) notice(message.error);
    pending.resolve(message.error ? { error: message.error, status: message.status } : message.answer);
  }

  async function ask(route, body) {
    const socket = line.socket || (await connect());
    if (!socket) return { error: "the sandbox is not reachable" };
    const id = ++line.ids;
    const answered = new Promise((resolve, reject) => line.asked.set(id, { resolve, reject }));
    socket.send(JSON.stringify({ id, route, body }));
    try { return await answered; } catch (err) { return { error: err.message }; }
  }

  const post = (route, body) => ask(route, { as: S.me, ...body });

  function notice(text) {
    const el = document.createElement("div");
    el.className = "notice";
    el.textContent = text;
    $("#notices").append(el);
    setTimeout(() => el.remove(), 15000);
  }

  const sandboxNow = () => new Date(Date.now() + S.offsetMs);
  const dmOf = (id) => (S.people.find((p) => p.id === id) || {}).dm;
  const currentChannel = () => (S.surface === "dm" ? dmOf(S.me) : S.channel.id);

  // ---- state and the switch ----
  async function loadState() {
    const state = await (await fetch("/sandbox/state")).json();
    line.url = `ws://${location.hostname}:${state.socket.port}/`;
    S.people = state.people; S.names = state.names; S.channel = state.channel;
    S.offsetMs = new Date(state.now) - Date.now();
    BlockKit.configure({ names: S.names, channels: { [state.channel.id]: state.channel.name }, now: sandboxNow });
    const select = $("#person");
    const known = state.people.some((p) => p.id === S.me);
    const keep = known ? S.me : (state.people.find((p) => p.role === "member") || state.people[0]).id;
    select.innerHTML = state.people.map((p) =>
      `<option value="${BlockKit.esc(p.id)}">${BlockKit.esc(p.name)} (${BlockKit.esc(p.role)}${p.joined ? "" : ", not joined yet"})</option>`).join("");
    select.value = keep;
    S.me = keep;
    showClock(state.now);
  }

  function showClock(iso) {
    $("#now").textContent = new Date(iso).toLocaleString("en-GB", {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
  }

  function become(id) {
    S.me = id;
    S.messages.clear(); S.modals = []; S.home = null; S.seq = 0;
    $("#messages").replaceChildren();
    $("#home").replaceChildren();
    $("#modals").replaceChildren();
    follow();
    show(S.surface);
  }

  function show(surface) {
    S.surface = surface;
    document.querySelectorAll(".surface").forEach((a) => a.classList.toggle("active", a.dataset.surface === surface));
    const home = surface === "home";
    $("#messages").hidden = home;
    $("#composer").hidden = home;
    $("#home").hidden = !home;
    $("#title").textContent = home ? "wgbot · Home" : surface === "dm" ? "wgbot · Messages" : `# ${S.channel.name}`;
    document.body.dataset.surface = surface;
    if (home) post("home", {}); // Slack tells the app the Home was opened
    else {
      const channel = currentChannel();
      document.querySelectorAll("#messages > .msg").forEach((el) => { el.hidden = el.dataset.channel !== channel; });
      scrollDown();
    }
  }

  // ---- following changes ----
  // from the sandbox's first change to the last, then each one as it is posted
  async function follow() {
    const changes = await ask("follow", { as: S.me, since: S.seq });
    if (changes && !changes.error) apply(changes);
  }

  function apply(changes) {
    if (changes.seq < S.seq) return; // older than what is drawn already
    S.seq = changes.seq;
    (changes.notices || []).forEach(notice);
    for (const m of changes.messages || []) drawMessage(m);
    if (changes.modals) drawModals(changes.modals);
    if (changes.home) drawHome(changes.home);
    const command = S.lastCommand;
    if (changes.messages && changes.messages.length && command && !command.drawn) {
      $("#messages").getBoundingClientRect(); // laid out: drawn, short of the next frame's paint
      command.drawn = performance.now();
      command.clear();
      requestAnimationFrame(() => { command.painted = performance.now(); });
    }
  }

  // ---- messages ----
  const CLOCK_TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
  function messageHtml(m) {
    const who = S.names[m.user] || m.user;
    const time = CLOCK_TIME.format(new Date(Number(m.ts.split(".")[0]) * 1000));
    const eph = m.ephemeral ? '<div class="only-you">👁 Only visible to you</div>' : "";
    let body = m.blocks && m.blocks.length ? BlockKit.blocks(m.blocks) : `<div class="bk-text">${BlockKit.mrkdwn(m.text)}</div>`;
    if (m.refused && m.refused.length) {
      body = `<div class="unsupported refused">Slack would refuse this message (invalid_blocks): ${BlockKit.esc(m.refused.join("; "))}</div>`;
    }
    return `${eph}<div class="meta"><span class="who${m.user === "UWGBOT" ? " app" : ""}">${BlockKit.esc(who)}</span>${m.user === "UWGBOT" ? '<span class="app-tag">APP</span>' : ""}<span class="time">${time}</span>${m.edited ? '<span class="edited">(edited)</span>' : ""}</div><div class="content">${body}</div>`;
  }

  function drawMessage(m) {
    const key = `${m.channel}/${m.ts}`;
    const list = $("#messages");
    const known = S.messages.get(key);
    if (known && known.seq >= m.seq) return; // drawn already (a command's answer, then the poll)
    const old = list.querySelector(`.msg[data-key="${CSS.escape(key)}"]`);
    if (m.deleted) {
      S.messages.delete(key);
      if (old) old.remove();
      return;
    }
    S.messages.set(key, m);
    const el = document.createElement("article");
    el.className = "msg" + (m.ephemeral ? " ephemeral" : "");
    el.dataset.key = key; el.dataset.channel = m.channel; el.dataset.ts = m.ts;
    el.dataset.edited = m.edited;
    el.innerHTML = messageHtml(m);
    el.hidden = S.surface === "home" || m.channel !== currentChannel();
    if (old) {
      old.replaceWith(el);
      S.redraws += 1;
      return;
    }
    // in order of ts; new ones almost always go last
    let after = null;
    for (const node of [...list.children].reverse()) {
      if (node.dataset.ts <= m.ts) { after = node; break; }
    }
    if (after) after.after(el); else list.prepend(el);
    scrollDown();
  }

  function scrollDown() { const list = $("#messages"); list.scrollTop = list.scrollHeight; }

  // ---- Home and modals ----
  function drawHome(view) {
    S.home = view;
    const home = $("#home");
    home.dataset.viewId = view.id;
    home.innerHTML = view.type === "home" ? BlockKit.blocks(view.blocks) : `<div class="unsupported">unsupported view: ${BlockKit.esc(view.type)}</div>`;
  }

  function drawModals(stack) {
    S.modals = stack;
    const root = $("#modals");
    root.replaceChildren();
    const top = stack[stack.length - 1];
    if (!top) return;
    const overlay = document.createElement("div");
    overlay.className = "overlay";
    const title = top.title ? BlockKit.text(top.title) : "";
    const submit = top.submit ? `<button type="button" class="bk-button primary" data-modal="submit">${BlockKit.text(top.submit)}</button>` : "";
    const close = BlockKit.text(top.close || { type: "plain_text", text: "Cancel" });
    overlay.innerHTML = `<div class="modal" role="dialog" data-view-id="${BlockKit.esc(top.id)}">
      <div class="modal-title">${title}</div>
      <div class="modal-body">${top.type === "modal" ? BlockKit.blocks(top.blocks) : `<div class="unsupported">unsupported view: ${BlockKit.esc(top.type)}</div>`}</div>
      <div class="modal-foot"><button type="button" class="bk-button" data-modal="close">${close}</button>${submit}</div></div>`;
    root.append(overlay);
  }

  // ---- interactions ----
  async function interact(node) {
    if (node.dataset.confirm) {
      const c = JSON.parse(node.dataset.confirm);
      const question = [c.title && c.title.text, c.text && c.text.text].filter(Boolean).join("\n\n");
      if (!window.confirm(question)) return;
    }
    if (node.dataset.url) window.open(node.dataset.url, "_blank", "noopener");
    const action = BlockKit.action(node);
    const modal = node.closest(".modal");
    const msg = node.closest(".msg");
    if (modal) {
      await post("action", { action, view_id: modal.dataset.viewId, state: BlockKit.state(modal) });
    } else if (msg) {
      await post("action", { action, channel: msg.dataset.channel, ts: msg.dataset.ts, state: BlockKit.state(msg) });
    } else if (node.closest("#home")) {
      const home = $("#home");
      await post("action", { action, view_id: home.dataset.viewId, state: BlockKit.state(home) });
    }
  }

  async function submitModal(modal) {
    modal.querySelectorAll(".bk-error").forEach((e) => { e.textContent = ""; });
    const answer = await post("submit", { view_id: modal.dataset.viewId, state: BlockKit.state(modal) });
    for (const [blockId, message] of Object.entries(answer.errors || {})) {
      const slot = modal.querySelector(`.bk-error[data-error-for="${CSS.escape(blockId)}"]`);
      if (slot) slot.textContent = message; else notice(`${blockId}: ${message}`);
    }
  }

  // a menu in a message or the Home acts when a choice is made; in a modal only inside an
  // actions block or as an accessory (an input block's choice is sent with the submission)
  const actsAtOnce = (menu) => !menu.closest(".modal") || Boolean(menu.closest(".bk-actions, .bk-accessory"));

  function wire() {
    document.addEventListener("click", (ev) => {
      const surface = ev.target.closest(".surface");
      if (surface) { ev.preventDefault(); show(surface.dataset.surface); return; }
      const modalButton = ev.target.closest("[data-modal]");
      if (modalButton) {
        const modal = modalButton.closest(".modal");
        if (modalButton.dataset.modal === "submit") submitModal(modal);
        else post("close", { view_id: modal.dataset.viewId });
        return;
      }
      const menu = ev.target.closest("button.bk-menu");
      if (menu) { BlockKit.openMenu(menu); return; }
      const picked = ev.target.closest(".bk-option");
      if (picked) {
        const chosen = BlockKit.pick(picked);
        if (actsAtOnce(chosen)) interact(chosen);
        return;
      }
      BlockKit.closeMenus(); // a click anywhere else closes an open menu, as in Slack
      const button = ev.target.closest("button.bk-button[data-action-id]");
      if (button) interact(button);
    });
    document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") BlockKit.closeMenus(); });
    document.addEventListener("change", (ev) => {
      const select = ev.target.closest("select.bk-select[data-action-id]");
      if (select && actsAtOnce(select)) interact(select);
    });
    $("#composer").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const input = $("#compose");
      const typed = input.value, text = typed.trim();
      if (!text) return;
      const command = { text, sent: performance.now(), drawn: null };
      // The box is emptied with the answer's own frame, not one of its own just before: a
      // frame drawn while the answer is on its way holds the answer up by as long as the
      // answer took. Within 50 ms at the latest, and only if it holds what was sent, so
      // nothing typed meanwhile is lost.
      command.clear = () => {
        command.clear = () => {};
        if (input.value === typed) input.value = "";
      };
      setTimeout(() => command.clear(), 50);
      S.lastCommand = command;
      const answer = await post("command", { channel: currentChannel(), text });
      command.ack_seconds = answer.ack_seconds;
      command.clear();
    });
    $("#person").addEventListener("change", (ev) => become(ev.target.value));
    $("#join").addEventListener("click", async () => {
      const answer = await post("join", {});
      await loadState();
      if (answer.person) { $("#person").value = answer.person.id; become(answer.person.id); show("dm"); }
    });
    document.querySelectorAll("[data-step]").forEach((b) => b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        const answer = await post("clock", { step: b.dataset.step });
        if (answer.now) { S.offsetMs = new Date(answer.now) - Date.now(); showClock(answer.now); }
      } finally { b.disabled = false; }
    }));
  }

  async function start() {
    wire();
    await loadState();
    const wanted = new URLSearchParams(location.search);
    if (wanted.get("as")) { $("#person").value = wanted.get("as"); S.me = wanted.get("as"); }
    become(S.me);
    show(wanted.get("surface") || "channel");
    document.body.dataset.ready = "1";
  }

  start();
  return S;
})();
window.sandbox = sandbox;
