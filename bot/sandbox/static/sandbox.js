// The sandbox page: a small Slack client for one person at a time. It talks to the sandbox on
// one WebSocket (requests with ids; the followed person's changes pushed as they happen) and
// redraws only the messages, modals and Home that changed.
"use strict";

const sandbox = (() => {
  const $ = (sel) => document.querySelector(sel);
  const S = {
    me: null, people: [], names: {}, channel: null, surface: "channel",
    seq: 0, offsetMs: 0,
    loadSeq: 0, noticeSeq: 0, // notices up to this change have been shown: each is shown once
    seenAs: new Map(), // person -> the change up to which their own notices were shown
    messages: new Map(), // "channel/ts" -> message (replies too)
    threads: new Map(), // "channel/ts" of a parent -> the keys of its replies
    thread: null, // the parent whose thread the side panel shows
    ahead: null, // what each clock button would jump over
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

  // a toast: at most two at a time (the newest replaces the oldest), a few seconds each, in a
  // corner of the messages that covers no control (and lets clicks through)
  const TOASTS = 2, TOAST_MS = 6000;
  function notice(text) {
    const root = $("#notices");
    const same = [...root.children].find((el) => el.textContent === text);
    if (same) same.remove(); // the same news again: shown once, as the newest
    while (root.children.length >= TOASTS) root.firstElementChild.remove();
    const el = document.createElement("div");
    el.className = "notice";
    el.textContent = text;
    root.append(el);
    setTimeout(() => el.remove(), TOAST_MS);
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
    S.noticeSeq = S.loadSeq = state.seq; // what happened before the page looked is not news
    S.seenAs.clear();
    const people = state.people.filter((p) => p.joined).map((p) => ({ id: p.id, name: p.name }));
    BlockKit.configure({ names: S.names, channels: { [state.channel.id]: state.channel.name }, people, now: sandboxNow });
    const select = $("#person");
    const known = state.people.some((p) => p.id === S.me);
    const keep = known ? S.me : (state.people.find((p) => p.role === "member") || state.people[0]).id;
    select.innerHTML = state.people.map((p) =>
      `<option value="${BlockKit.esc(p.id)}">${BlockKit.esc(p.name)} (${BlockKit.esc(p.role)}${p.joined ? "" : ", not joined yet"})</option>`).join("");
    select.value = keep;
    S.me = keep;
    showClock(state.now);
  }

  const WHEN = new Intl.DateTimeFormat("en-GB", {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
  function showClock(iso) {
    $("#now").textContent = WHEN.format(new Date(iso));
  }

  // the sandbox's clock moved (here or on another page): dates and days read from it again
  function clockMoved(iso) {
    S.offsetMs = new Date(iso) - Date.now();
    showClock(iso);
    document.querySelectorAll(".date[data-format]").forEach((el) => {
      el.textContent = BlockKit.formatDate(el.dataset.date, el.dataset.format);
    });
    document.querySelectorAll(".msg[data-day]").forEach((el) => { el.dataset.day = BlockKit.dayDivider(el.dataset.ts.split(".")[0]); });
  }

  // what each clock button jumps over, on the button itself and the next thing beside them
  function showAhead(ahead) {
    S.ahead = ahead;
    const line = (e) => `${e.what} (${WHEN.format(new Date(e.at))})`;
    document.querySelectorAll("[data-step]").forEach((b) => {
      const skipped = ahead[b.dataset.step] || [];
      b.title = skipped.length ? `Runs at once, skipping the wait: ${skipped.map(line).join("; ")}` : "Nothing scheduled falls in that time";
      b.dataset.skips = skipped.length;
    });
    const next = (ahead.week || [])[0];
    $("#ahead").textContent = next ? `Next: ${line(next)}` : "";
  }
  async function refreshAhead() {
    const answer = await post("ahead", {});
    if (answer && answer.ahead) showAhead(answer.ahead);
  }

  function become(id) {
    S.me = id;
    S.messages.clear(); S.threads.clear(); S.modals = []; S.home = null; S.seq = 0;
    closeThread();
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
    if (S.thread && !S.thread.startsWith(`${currentChannel()}/`)) closeThread();
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
    const own = S.seenAs.has(S.me) ? S.seenAs.get(S.me) : S.loadSeq;
    const changes = await ask("follow", { as: S.me, since: S.seq, notices_since: S.noticeSeq, own_since: own });
    if (changes && !changes.error) apply(changes);
  }

  function apply(changes) {
    if (changes.seq < S.seq) return; // older than what is drawn already
    S.seq = changes.seq;
    (changes.notices || []).forEach(notice); // only what this page has not shown yet
    S.noticeSeq = Math.max(S.noticeSeq, changes.seq);
    S.seenAs.set(S.me, changes.seq);
    if (changes.now) { clockMoved(changes.now); refreshAhead(); }
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

  const isReply = (m) => Boolean(m.thread_ts) && m.thread_ts !== m.ts;

  function article(m) {
    const el = document.createElement("article");
    el.className = "msg" + (m.ephemeral ? " ephemeral" : "");
    el.dataset.key = `${m.channel}/${m.ts}`; el.dataset.channel = m.channel; el.dataset.ts = m.ts;
    el.dataset.edited = m.edited;
    el.innerHTML = messageHtml(m);
    return el;
  }

  function drawMessage(m) {
    const key = `${m.channel}/${m.ts}`;
    const known = S.messages.get(key);
    if (known && known.seq >= m.seq) return; // drawn already (a command's answer, then the poll)
    if (isReply(m)) {
      drawReply(m, key);
      if (!m.broadcast) return; // a reply stays in its thread unless also sent to the channel
    }
    const list = $("#messages");
    const old = list.querySelector(`.msg[data-key="${CSS.escape(key)}"]`);
    if (m.deleted) {
      S.messages.delete(key);
      if (old) { const next = nextOfChannel(old); old.remove(); markDay(next); }
      if (S.thread === key) closeThread(); // its thread goes with it
      return;
    }
    S.messages.set(key, m);
    const el = article(m);
    el.hidden = S.surface === "home" || m.channel !== currentChannel();
    drawReplies(el);
    if (old) {
      if (old.dataset.day) el.dataset.day = old.dataset.day;
      old.replaceWith(el);
      S.redraws += 1;
      if (S.thread === key) drawThread();
      return;
    }
    // in order of ts; new ones almost always go last
    let after = null;
    for (const node of [...list.children].reverse()) {
      if (node.dataset.ts <= m.ts) { after = node; break; }
    }
    if (after) after.after(el); else list.prepend(el);
    markDay(el);
    markDay(nextOfChannel(el));
    scrollDown();
  }

  // ---- days: a divider above a channel's first message of each day, as Slack draws it ----
  const dayOf = (ts) => new Date(Number(ts.split(".")[0]) * 1000).toDateString();
  function ofChannel(el, step) {
    let node = el && el[step];
    while (node && node.dataset.channel !== el.dataset.channel) node = node[step];
    return node;
  }
  const nextOfChannel = (el) => ofChannel(el, "nextElementSibling");
  function markDay(el) {
    if (!el) return;
    const before = ofChannel(el, "previousElementSibling");
    if (before && dayOf(before.dataset.ts) === dayOf(el.dataset.ts)) delete el.dataset.day;
    else el.dataset.day = BlockKit.dayDivider(el.dataset.ts.split(".")[0]);
  }

  // ---- threads: replies under their parent as "N replies", opened in a side panel ----
  function drawReply(m, key) {
    const parent = `${m.channel}/${m.thread_ts}`;
    if (!S.threads.has(parent)) S.threads.set(parent, new Set());
    const replies = S.threads.get(parent);
    if (m.deleted) { S.messages.delete(key); replies.delete(key); } else { S.messages.set(key, m); replies.add(key); }
    const shown = $("#messages").querySelector(`.msg[data-key="${CSS.escape(parent)}"]`);
    if (shown) drawReplies(shown);
    if (S.thread === parent) drawThread();
  }

  function drawReplies(el) {
    const count = (S.threads.get(el.dataset.key) || new Set()).size;
    let line = el.querySelector(":scope > .replies");
    if (!count) { if (line) line.remove(); return; }
    if (!line) {
      line = document.createElement("div");
      line.className = "replies";
      line.innerHTML = `<a href="#" class="thread-link" data-thread="${BlockKit.esc(el.dataset.key)}"></a>`;
      el.append(line);
    }
    line.firstElementChild.textContent = `${count} ${count === 1 ? "reply" : "replies"}`;
  }

  function openThread(key) {
    S.thread = key;
    $("#thread").hidden = false;
    drawThread();
  }

  function closeThread() {
    S.thread = null;
    $("#thread").hidden = true;
    $("#thread-body").replaceChildren();
  }

  function drawThread() {
    const parent = S.messages.get(S.thread);
    if (!parent) { closeThread(); return; }
    const replies = [...(S.threads.get(S.thread) || [])].map((k) => S.messages.get(k)).filter(Boolean)
      .sort((a, b) => (a.ts < b.ts ? -1 : 1));
    const count = document.createElement("div");
    count.className = "thread-count";
    count.textContent = `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`;
    $("#thread-body").replaceChildren(article(parent), count, ...replies.map(article));
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
      const thread = ev.target.closest(".thread-link");
      if (thread) { ev.preventDefault(); openThread(thread.dataset.thread); return; }
      if (ev.target.closest("#thread-close")) { closeThread(); return; }
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
      // an organiser's /coffee or /welcome may change what lies ahead of the clock
      if (/^\/(coffee|welcome)\b/.test(text)) refreshAhead();
    });
    $("#person").addEventListener("change", (ev) => become(ev.target.value));
    $("#join").addEventListener("click", async () => {
      const answer = await post("join", {});
      await loadState();
      if (answer.person) { $("#person").value = answer.person.id; become(answer.person.id); show("dm"); }
      refreshAhead(); // the newcomer's journey has steps ahead now
    });
    // what the buttons skip is read again whenever someone is about to press one
    $("#top .clock").addEventListener("mouseenter", refreshAhead);
    document.querySelectorAll("[data-step]").forEach((b) => b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        const answer = await post("clock", { step: b.dataset.step });
        if (answer.now) clockMoved(answer.now);
        if (answer.ahead) showAhead(answer.ahead);
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
    await refreshAhead();
    document.body.dataset.ready = "1";
  }

  start();
  return S;
})();
window.sandbox = sandbox;
