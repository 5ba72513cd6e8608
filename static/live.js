// Live incident updates: one WebSocket per page for logged-in members (see messaging/bulletins/transport.py).
// Shows a toast for each new bulletin, bumps the unread counter, inserts incident updates into an open
// incident timeline, and after any disconnect reconnects with exponential backoff + jitter, asking the server
// to replay everything published since the last bulletin it saw.
"use strict";

(() => {
  const body = document.body;
  if (!body.dataset.user || !("WebSocket" in window)) {
    return;
  }
  const STORAGE_KEY = `hub.live.cursor.${body.dataset.user}`;
  const CLOSE_UNAUTHENTICATED = 4401;
  const CLOSE_FORBIDDEN = 4403;
  const CLOSE_TOO_MANY_SOCKETS = 4429; // this account has too many live tabs open: wait for one to close
  const TOO_MANY_SOCKETS_WAIT = 60000;
  const seen = new Set();
  const REPLAY_TOASTS = 5;
  let attempt = 0;
  let socket = null;
  let replayed = null; // bulletins arriving in answer to a replay request, shown together at its end
  let helloCursor = null; // where the server says this user's stream stands, at connection
  let officer = false; // the hello says whether this socket is an officer's (officers read every bulletin)

  const statusBadge = document.getElementById("live-status");
  const toasts = document.getElementById("live-toasts");
  // Toasts cover the page: at most two stand open on a phone (four on a wider screen), critical ones first, and
  // the rest collapse into one "N more" button that opens them all. The limit follows the width as it changes.
  const PHONE = window.matchMedia("(max-width: 575.98px)");
  const STACK_LIMIT = { phone: 2, wide: 4 };
  let stackExpanded = false;

  function setStatus(state, label) {
    if (!statusBadge) return;
    statusBadge.dataset.state = state;
    statusBadge.textContent = label;
    statusBadge.className = `badge live-status ${{
      live: "text-bg-success", reconnecting: "text-bg-warning", offline: "text-bg-secondary",
    }[state]}`;
  }

  // Cursors are a bulletin's place in the stream, a whole number in commit order (as a string: it may pass 2^53).
  function isCursor(cursor) {
    return typeof cursor === "string" && /^[0-9]{1,19}$/.test(cursor);
  }

  function lastCursor() {
    const cursor = window.localStorage.getItem(STORAGE_KEY);
    return isCursor(cursor) ? cursor : null; // an older portal's "<time>:<id>" cursor: start again from hello
  }

  function remember(cursor) {
    if (!isCursor(cursor)) return;
    const current = lastCursor();
    if (!current || BigInt(cursor) > BigInt(current)) {
      window.localStorage.setItem(STORAGE_KEY, cursor);
    }
  }

  function bumpUnread() {
    const badge = document.getElementById("unread-count");
    if (!badge) return;
    const count = (parseInt(badge.textContent, 10) || 0) + 1;
    badge.textContent = String(count);
    badge.classList.remove("d-none");
  }

  function arrangeToasts() {
    if (!toasts) return;
    const items = Array.from(toasts.querySelectorAll(":scope > .toast"));
    if (!items.length) stackExpanded = false;
    // Newest first (toasts are prepended); a critical one outranks any other. sort() is stable.
    const critical = (toast) => (toast.getAttribute("role") === "alert" ? 1 : 0);
    items.sort((a, b) => critical(b) - critical(a));
    const limit = stackExpanded ? items.length : STACK_LIMIT[PHONE.matches ? "phone" : "wide"];
    items.forEach((toast, index) => { toast.hidden = index >= limit; });
    const collapsed = items.length - Math.min(limit, items.length);
    let more = toasts.querySelector(":scope > .toast-more");
    if (!collapsed) {
      more?.remove();
      return;
    }
    if (!more) {
      more = document.createElement("button");
      more.type = "button";
      more.className = "btn btn-sm btn-dark toast-more";
      more.addEventListener("click", () => {
        stackExpanded = true;
        arrangeToasts();
        toasts.querySelector(":scope > .toast a")?.focus();
      });
      toasts.append(more);
    }
    more.textContent = `${collapsed} more`;
    more.setAttribute("aria-label", `Show ${collapsed} more notification${collapsed === 1 ? "" : "s"}`);
  }

  function removeToast(toast) {
    toast.remove();
    arrangeToasts();
  }

  PHONE.addEventListener("change", arrangeToasts);

  function showToast(bulletin) {
    if (!toasts) return;
    const toast = document.createElement("div");
    const critical = bulletin.severity === "critical";
    toast.className = `toast show border-${critical ? "danger" : "primary"}`;
    toast.setAttribute("role", critical ? "alert" : "status");
    toast.dataset.bulletin = String(bulletin.id);

    const header = document.createElement("div");
    header.className = "toast-header";
    const strong = document.createElement("strong");
    strong.className = "me-auto";
    strong.textContent = bulletin.sensitive ? "New bulletin (OFFICIAL-SENSITIVE)"
      : [bulletin.severity_label, bulletin.kind_label].filter(Boolean).join(": ");
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", () => removeToast(toast));
    header.append(strong, close);

    const content = document.createElement("div");
    content.className = "toast-body";
    const link = document.createElement("a");
    link.href = bulletin.url;
    link.className = "fw-semibold";
    link.textContent = bulletin.title;
    content.append(link);
    if (bulletin.incident_title) {
      const incident = document.createElement("div");
      incident.className = "small mt-1";
      incident.textContent = `Update on the incident: ${bulletin.incident_title}`;
      content.append(incident);
    }
    // A question's toast shows its answers as buttons: the bulletin's summary would only repeat them as a sentence.
    const asks = answerButtons(bulletin);
    if (bulletin.summary && !asks) {
      const summary = document.createElement("div");
      summary.className = "small mt-1";
      summary.textContent = bulletin.summary;
      content.append(summary);
    }
    if (asks) content.append(asks);
    toast.append(header, content);
    toasts.prepend(toast);
    arrangeToasts();
    // Critical bulletins, and questions waiting for an answer, stay until dismissed; the rest fade after a while.
    if (!critical && !asks) {
      window.setTimeout(() => removeToast(toast), 15000);
    }
  }

  // A check-in's question ("are you affected?", messaging/checkins): its answers as buttons, each opening the
  // answer form with that answer chosen (nothing is recorded until the member sends it). Officers ask, not answer.
  function answerButtons(bulletin) {
    const checkIn = bulletin.check_in;
    if (officer || !checkIn || !Array.isArray(checkIn.choices) || !checkIn.choices.length) return null;
    const row = document.createElement("div");
    row.className = "d-flex flex-wrap gap-2 mt-2 toast-answers";
    row.setAttribute("aria-label", "Answer for your organisation");
    checkIn.choices.forEach((choice) => {
      if (typeof choice.url !== "string" || !choice.url.startsWith("/") || choice.url.startsWith("//")) return;
      const button = document.createElement("a");
      button.className = "btn btn-outline-primary";
      button.href = choice.url;
      button.textContent = String(choice.label);
      row.append(button);
    });
    return row.childElementCount ? row : null;
  }

  async function insertIntoTimeline(bulletin) {
    const timeline = document.getElementById("incident-timeline");
    if (!timeline || !bulletin.incident || String(bulletin.incident) !== timeline.dataset.incident) return;
    if (timeline.querySelector(`[data-bulletin="${bulletin.id}"]`)) return;
    // The server renders the update (through the same sanitising pipeline as the page); we only place it.
    const response = await fetch(`${bulletin.url}?fragment=update`, { credentials: "same-origin" });
    if (!response.ok) return;
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const item = holder.firstElementChild;
    if (item) {
      item.classList.add("live-new");
      timeline.prepend(item);
      timeline.querySelector(".timeline-empty")?.remove();
    }
  }

  function handleBulletin(bulletin, quiet) {
    remember(bulletin.cursor);
    if (seen.has(bulletin.id)) return;
    seen.add(bulletin.id);
    if (!quiet) showToast(bulletin);
    bumpUnread();
    insertIntoTimeline(bulletin);
    document.dispatchEvent(new CustomEvent("hub:bulletin", { detail: bulletin }));
  }

  // An officer withdrew a bulletin: whatever this page shows of it (its toast, its place in an incident
  // timeline or the inbox, the bulletin's own page) is struck through, and one toast says so. The page says why
  // once it is reloaded: the reason is not sent over the socket.
  function markWithdrawn(notice) {
    document.querySelectorAll(`[data-bulletin="${notice.id}"]`).forEach((element) => {
      element.classList.add("live-withdrawn");
    });
    if (!seen.has(notice.id)) return; // never shown on this page: nothing to take back
    showToast({
      id: notice.id, severity: "info", sensitive: false, severity_label: "Withdrawn",
      kind_label: "by the police liaison team", title: "A bulletin you were sent has been withdrawn: open it",
      url: notice.url,
    });
  }

  // News that is not a bulletin (transport.announce and send_to_user: a bridge call to which this user is invited,
  // scheduled, moved, cancelled or starting; a roll call that changed). It may ask for a toast, and names the
  // parts of the page that show what changed: each element whose data-live-part lists one of those names is
  // fetched again from its data-part-url (rendered by the server, through the same sanitising pipeline).
  function handleNews(news) {
    if (news.toast) {
      showToast({
        id: 0, severity: news.severity || "info", sensitive: false, severity_label: news.heading || "News",
        kind_label: news.subheading || "", title: news.title, url: news.url, summary: news.summary,
      });
    }
    const versions = news.versions && typeof news.versions === "object" ? news.versions : {};
    (Array.isArray(news.refresh) ? news.refresh : []).forEach((name) => refreshPart(name, versions[name]));
  }

  // A part announced with a version (the check-in grid's) is asked for at least that version: the server then
  // serves every officer the same render (messaging/checkins/live_grid.py).
  async function refreshPart(name, version) {
    if (typeof name !== "string" || !/^[a-z0-9-]{1,60}$/.test(name)) return;
    const parts = document.querySelectorAll(`[data-live-part~="${name}"]`);
    for (const part of parts) {
      let url = part.dataset.partUrl;
      if (!url || !url.startsWith("/")) continue;
      if (Number.isSafeInteger(version) && version > 0) url += `${url.includes("?") ? "&" : "?"}v=${version}`;
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) continue;
      part.innerHTML = await response.text();
      part.classList.add("live-new");
    }
  }

  // An officer's replay brings back what they published themselves (officers read every bulletin), typically on
  // the page their publishing form led to: they know, and a toast would bury the others' news under their own.
  function ownBulletin(bulletin) {
    return officer && bulletin.author != null && String(bulletin.author) === body.dataset.user;
  }

  function finishReplay(complete) {
    const missed = replayed || [];
    replayed = null;
    const news = missed.filter((bulletin) => !ownBulletin(bulletin));
    // After a long sleep, one summary instead of a wall of toasts; every bulletin is still counted. The
    // server replays at most a day (and a hundred bulletins): when it says there may be more, the inbox has them.
    const quiet = news.length > REPLAY_TOASTS || complete === false;
    missed.forEach((bulletin) => handleBulletin(bulletin, quiet || ownBulletin(bulletin)));
    // What was not replayed is in the inbox, which the toast below points to: carry on from where the stream
    // stood at connection, so the next page does not ask for (and announce) the same gap again.
    if (complete === false && helloCursor) remember(helloCursor);
    if (quiet) {
      showToast({
        id: 0, severity: "info", sensitive: false, severity_label: "While you were away",
        kind_label: complete === false ? "Earlier bulletins" : `${news.length} bulletins`,
        title: "Open your inbox", url: body.dataset.inbox || "/",
      });
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/live/`);
    socket.addEventListener("open", () => {
      // The backoff is not reset here but on the server's hello: a socket that is accepted and then fails
      // (a server error before the greeting) would otherwise retry within a second, over and over.
      setStatus("live", "Live");
      const cursor = lastCursor();
      if (cursor) {
        replayed = [];
        socket.send(JSON.stringify({ type: "replay", since: cursor }));
      }
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "hello") {
        attempt = 0; // the server got this socket going: the next failure starts the backoff afresh
        helloCursor = message.cursor;
        officer = message.officer === true;
        if (!lastCursor() && message.cursor) remember(message.cursor);
      } else if (message.type === "bulletin" && replayed) {
        replayed.push(message);
      } else if (message.type === "bulletin") {
        handleBulletin(message, false);
      } else if (message.type === "withdrawn") {
        markWithdrawn(message);
      } else if (message.type === "news") {
        handleNews(message);
      } else if (message.type === "replayed") {
        finishReplay(message.complete);
      } else if (message.type === "error" && replayed) {
        replayed = null; // the replay was refused (too many asked for): nothing more will come for it
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === CLOSE_UNAUTHENTICATED || event.code === CLOSE_FORBIDDEN) {
        setStatus("offline", "Offline");
        return;
      }
      if (event.code === CLOSE_TOO_MANY_SOCKETS) {
        // Not a failure to retry at once: another tab holds the place. Try again in a minute or two (jittered,
        // so that many tabs do not return together), without touching the backoff of real failures.
        setStatus("offline", "Paused: too many tabs");
        window.setTimeout(connect, TOO_MANY_SOCKETS_WAIT * (1 + Math.random()));
        return;
      }
      setStatus("reconnecting", "Reconnecting…");
      // Exponential backoff capped at 30 s, with full jitter so a restarted server is not stampeded.
      const delay = Math.random() * Math.min(30000, 1000 * 2 ** attempt);
      attempt += 1;
      window.setTimeout(connect, delay);
    });
  }

  window.addEventListener("offline", () => setStatus("offline", "Offline"));
  setStatus("reconnecting", "Connecting…");
  connect();
})();
