// Kith's local page. Plain ES2020, no framework, nothing fetched from anywhere but this node (the CSP says so).
// All data goes into the page through textContent and attributes, never innerHTML: a peer writes the answers.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const VIEWS = ['ask', 'notes', 'sharing', 'people', 'inbox', 'status'];
  // Dropped files go to the node as text in one JSON body; the API takes at most 8 MiB (spec/API.md 1.2).
  const MAX_UPLOAD_CHARS = 6 * 1024 * 1024;
  const MAX_UPLOAD_FILES = 200;

  let notesCache = [];
  let sharedCache = [];
  let profilePreviewed = null;
  let focusAfterView = null;

  // ---- talking to the node

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const init = {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'X-Kith-Request': '1', 'Accept': 'application/json' },
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'Cannot reach your node: is `kith start` still running?');
    }
    let data = null;
    const text = await res.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (res.status === 401) {
      showGate('Your login has ended or this page was opened without its login link.');
      throw new ApiError(401, 'Not logged in.');
    }
    if (!res.ok) {
      const msg = data && data.error ? data.error : `The node answered ${res.status}.`;
      throw new ApiError(res.status, msg);
    }
    return data;
  }

  const get = (path) => api('GET', path);
  const post = (path, body) => api('POST', path, body === undefined ? {} : body);

  // ---- small DOM helpers

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else if (v === true) e.setAttribute(k, '');
        else e.setAttribute(k, String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function say(id, text) {
    const box = $(id);
    box.textContent = text || '';
  }

  function flash(text) {
    say('problem', '');
    say('flash', text);
  }

  function problem(err) {
    if (err && err.status === 401) return;
    say('flash', '');
    say('problem', err && err.message ? err.message : String(err));
  }

  // Runs an action from a form or button: disables it while it runs and shows failures where people look.
  async function busy(control, statusId, work) {
    const buttons = control instanceof HTMLFormElement ? [...control.querySelectorAll('button')] : [control];
    buttons.forEach((b) => { b.disabled = true; });
    say('problem', '');
    try {
      return await work();
    } catch (e) {
      if (statusId) say(statusId, '');
      problem(e);
      return undefined;
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  function ago(iso) {
    if (!iso) return 'never';
    const t = Date.parse(iso);
    if (Number.isNaN(t)) return String(iso);
    const s = Math.round((Date.now() - t) / 1000);
    if (s < 0) return in_(-s);
    if (s < 60) return 'just now';
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    const d = Math.floor(s / 86400);
    return `${d} day${d === 1 ? '' : 's'} ago`;
  }

  function in_(s) {
    if (s < 3600) return `in ${Math.max(1, Math.floor(s / 60))} min`;
    if (s < 86400) return `in ${Math.floor(s / 3600)} h`;
    const d = Math.floor(s / 86400);
    return `in ${d} day${d === 1 ? '' : 's'}`;
  }

  function until(iso) {
    if (!iso) return 'no expiry';
    const t = Date.parse(iso);
    if (Number.isNaN(t)) return String(iso);
    const s = Math.round((t - Date.now()) / 1000);
    return s <= 0 ? 'expired' : `expires ${in_(s)}`;
  }

  function timeEl(iso, text) {
    return el('time', { datetime: iso || undefined, title: iso || undefined, text });
  }

  function words(s) {
    return (s || '').split(/[\s,]+/).map((w) => w.replace(/^#/, '').trim()).filter(Boolean);
  }

  // ---- views and login state

  // Forgets everything this page showed, so a logged-out or expired page holds no note, peer or invite.
  function forget() {
    closeLive();
    notesCache = [];
    sharedCache = [];
    profilePreviewed = null;
    ['ask-results', 'search-results', 'notes-list', 'shared-list', 'peers-list', 'status-list', 'profile-preview',
      'share-note', 'circles'].forEach((id) => $(id).replaceChildren());
    ['ask-status', 'ask-missing', 'import-status', 'search-status', 'shared-status', 'pair-status', 'peers-status',
      'flash', 'problem'].forEach((id) => say(id, ''));
    document.querySelectorAll('form').forEach((f) => f.reset());
    document.querySelectorAll('[data-suggested]').forEach((f) => { delete f.dataset.suggested; });
    $('invite-out').hidden = true;
    $('invite-code').value = '';
    $('invite-qr').removeAttribute('src');
    $('profile-publish').hidden = true;
    $('pair-check').hidden = true;
    forgetNote();
  }

  function showGate(why) {
    forget();
    $('loading').hidden = true;
    $('nav').hidden = true;
    $('logout').hidden = true;
    $('who').textContent = '';
    VIEWS.forEach((v) => { $(v).hidden = true; });
    $('gate').hidden = false;
    $('gate-h').textContent = why && why.startsWith('You are logged out') ? 'Logged out' : 'Not logged in';
    $('gate-why').textContent = why || 'This page needs the one-time login link of your running node.';
  }

  function currentView() {
    const h = location.hash.replace(/^#/, '');
    return VIEWS.includes(h) ? h : 'ask';
  }

  function showView(focus) {
    const v = currentView();
    VIEWS.forEach((name) => { $(name).hidden = name !== v; });
    document.querySelectorAll('#nav a').forEach((a) => {
      if (a.getAttribute('href') === `#${v}`) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    document.title = `${v[0].toUpperCase()}${v.slice(1)} · Kith`;
    if (focus) {
      say('flash', '');
      say('problem', '');
      (focusAfterView ? $(focusAfterView) : $(`${v}-h`)).focus();
      focusAfterView = null;
    }
    refreshView(v);
  }

  function refreshView(v) {
    const r = {
      notes: () => Promise.all([loadNotes(), loadShared(true)]),
      sharing: () => Promise.all([loadNotes(), loadShared()]),
      people: () => loadPeers(),
      inbox: () => loadInbox(),
      status: () => loadStatus(),
      ask: () => Promise.resolve(),
    }[v];
    r().catch(problem);
  }

  async function start() {
    try {
      const st = await get('/v1/status');
      $('loading').hidden = true;
      $('gate').hidden = true;
      $('nav').hidden = false;
      $('logout').hidden = false;
      const idn = st.identity || {};
      $('who').replaceChildren(el('span', { class: 'name', text: idn.name || 'You' }), ' ',
        el('code', { class: 'self-id', text: idn.id || '' }));
      showView(false);
      loadPeers().catch(() => {});
      openLive();
    } catch (e) {
      if (e.status !== 401) {
        showGate(e.message);
      }
    }
  }

  // ---- Ask

  // The node names the author: "you" for your own notes, your petname for a peer, or "someone Bob knows" two
  // hops away. `local` only says the node already held it (your notes and records synced from peers).
  function authorOf(a) {
    return a.author || 'unknown';
  }

  function pathOf(a) {
    return Array.isArray(a.path) ? a.path.join(' → ') : a.path || '';
  }

  // The passage that matched, with the question's words marked: `highlights` are [start, end) pairs in UTF-16
  // code units, which is what JavaScript strings count in. Text goes in as text nodes, never as HTML.
  function passageEl(text, highlights) {
    const p = el('p', { class: 'snippet' });
    let at = 0;
    for (const h of Array.isArray(highlights) ? highlights : []) {
      const [start, end] = h;
      if (!(start >= at && end > start && end <= text.length)) continue;
      p.append(text.slice(at, start), el('mark', { text: text.slice(start, end) }));
      at = end;
    }
    p.append(text.slice(at));
    return p;
  }

  function renderAnswer(a) {
    const kind = a.kind || 'note';
    const when = a.createdAt || null;
    const path = pathOf(a);
    // The title on its own; one that only repeats the kind ("offer") adds nothing to read.
    const t = (a.title || '').toLowerCase();
    const title = t && t !== kind ? a.title : null;
    const passage = a.passage !== undefined ? a.passage : a.snippet;
    return el('li', { class: `answer kind-${kind}` },
      title ? el('h3', { class: 'title', text: title }) : null,
      passageEl(passage || (title ? '' : a.title || ''), a.highlights),
      el('p', { class: 'meta' },
        el('span', { class: 'kind', text: kind }), ' · ',
        el('span', { class: 'author', text: `by ${authorOf(a)}` }), ' · ',
        timeEl(when, ago(when)),
        path && a.author !== 'you' ? [' · ', el('span', { class: 'path', text: `path: ${path}` })] : null,
        typeof a.score === 'number' ? [' · ', el('span', { class: 'score', text: `match ${a.score.toFixed(2)}` })] : null));
  }

  function showAnswers(r, final) {
    const answers = r.results || [];
    $('ask-results').replaceChildren(...answers.map(renderAnswer));
    const n = `${answers.length} answer${answers.length === 1 ? '' : 's'}`;
    if (!final) {
      say('ask-status', `${n} from what you already hold; asking your peers…`);
      return;
    }
    const peers = r.asked ? ` ${r.answered} of ${r.asked} peer${r.asked === 1 ? '' : 's'} answered.` : '';
    const none = r.noGoodAnswer ? `No good answer in your vault${r.asked ? ' or from your peers' : ''}` : 'No answers';
    say('ask-status', `${answers.length ? n : none}.${peers}`);
    const silent = r.silent || [];
    say('ask-missing', silent.length
      ? `Did not answer in time: ${silent.map((x) => (x.reason ? `${x.peer} (${x.reason})` : x.peer)).join(', ')}.`
      : '');
  }

  async function ask(ev) {
    ev.preventDefault();
    const form = ev.target;
    const question = $('ask-q').value.trim();
    if (!question) return;
    $('ask-results').replaceChildren();
    say('ask-missing', '');
    say('ask-status', 'Asking…');
    const k = Number($('ask-k').value) || 8;
    const hops = Number($('ask-hops').value);
    await busy(form, 'ask-status', async () => {
      // What is already here (own notes, records synced from peers) comes back at once; peers take longer.
      if (hops > 0) {
        showAnswers(await post('/v1/ask', { question, k, hops: 0 }), false);
      }
      showAnswers(await post('/v1/ask', { question, k, hops }), true);
    });
  }

  // ---- Notes

  async function addNote(ev) {
    ev.preventDefault();
    const form = ev.target;
    await busy(form, null, async () => {
      const n = await post('/v1/notes', { text: $('note-text').value, tags: words($('note-tags').value) });
      form.reset();
      flash(`Added note “${n.title}”.`);
      await loadNotes();
    });
  }

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result));
      r.onerror = () => reject(new Error(`Cannot read ${file.name}.`));
      r.readAsText(file);
    });
  }

  async function upload(fileList) {
    const files = [...fileList].filter((f) => /\.(md|markdown|txt)$/i.test(f.name));
    const ignored = fileList.length - files.length;
    if (files.length === 0) {
      say('import-status', 'Only .md, .markdown and .txt files can be imported.');
      return;
    }
    if (files.length > MAX_UPLOAD_FILES) {
      say('import-status', `At most ${MAX_UPLOAD_FILES} files at once; nothing was imported.`);
      return;
    }
    say('import-status', `Importing ${files.length} file${files.length === 1 ? '' : 's'}…`);
    await busy($('import-files'), 'import-status', async () => {
      const payload = [];
      let chars = 0;
      for (const f of files) {
        const text = await readFile(f);
        chars += text.length + f.name.length;
        payload.push({ name: f.name, text });
      }
      if (chars > MAX_UPLOAD_CHARS) {
        throw new Error('These files are too large to send at once (about 6 MB); drop fewer of them, or choose '
          + 'their folder with “Choose a folder…”, which sends a folder in parts.');
      }
      const r = await post('/v1/notes/upload', { files: payload });
      // A changed file updates its notes in place (same ids); an unchanged one writes nothing.
      const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
      const parts = [`Imported ${plural(r.files, 'file')}: ${plural(r.notesAdded, 'note')} added`];
      if (r.notesUpdated) parts.push(`${plural(r.notesUpdated, 'note')} updated in place`);
      if (r.notesRemoved) parts.push(`${plural(r.notesRemoved, 'earlier note')} removed`);
      if (r.unchanged) parts.push(`${plural(r.unchanged, 'file')} unchanged`);
      if (ignored) parts.push(`${ignored} ignored (not .md or .txt)`);
      if (r.skippedCount) {
        const why = Object.entries(r.skippedReasons || {}).map(([k, n]) => `${n} ${k}`).join(', ');
        parts.push(`skipped ${r.skippedCount} (${why}): ${r.skipped.join(', ')}`);
      }
      if (r.sharesResigned) parts.push(`${plural(r.sharesResigned, 'share')} signed again with the new text`);
      say('import-status', `${parts.join(', ')}.`);
      await loadNotes();
    });
  }

  function noteCard(n, sharedBy) {
    const shares = sharedBy.get(n.id) || sharedBy.get(n.title) || [];
    return el('li', { class: 'card', 'data-note': n.id },
      el('h3', { class: 'title', text: n.title || '(untitled)' }),
      el('p', { class: 'meta' },
        timeEl(n.createdAt, ago(n.createdAt)),
        n.tags && n.tags.length ? [' · ', el('span', { class: 'tags', text: n.tags.map((t) => `#${t}`).join(' ') })] : null,
        n.source ? [' · ', el('span', { class: 'source', text: n.source })] : null,
        typeof n.score === 'number' ? [' · ', el('span', { class: 'score', text: `match ${n.score.toFixed(2)}` })] : null),
      el('p', { class: shares.length ? 'shared-mark' : 'private-mark',
        text: shares.length ? `Shared with ${[...new Set(shares.map((s) => s.audience))].join(', ')}` : 'Not shared' }),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'open', onclick: (e) => openNote(n, e.currentTarget),
          'aria-label': `Open “${n.title}”`, text: 'Open' }),
        el('button', { type: 'button', onclick: () => shareThis(n), 'aria-label': `Share “${n.title}”`, text: 'Share…' }),
        el('button', { type: 'button', class: 'danger', onclick: (e) => removeNote(e.currentTarget, n),
          'aria-label': `Delete “${n.title}”`, text: 'Delete' })));
  }

  function sharedByNote() {
    const m = new Map();
    for (const s of sharedCache) {
      // The node names the note a record was shared from; records shared before it did so match by title.
      const id = s.kind === 'note' ? s.note || s.title : null;
      if (!id) continue;
      if (!m.has(id)) m.set(id, []);
      m.get(id).push(s);
    }
    return m;
  }

  let notesGeneration = 0;

  async function loadNotes() {
    const generation = ++notesGeneration;
    const tag = $('notes-tag').value.trim();
    const notes = await get(`/v1/notes${tag ? `?tag=${encodeURIComponent(tag)}` : ''}`);
    if (generation !== notesGeneration) {
      return; // a newer load is on its way; render only that one
    }
    if (!tag) notesCache = notes;
    const shown = [...notes].reverse(); // newest first
    const byNote = sharedByNote();
    // A redraw (an event from the node) must not drop the keyboard focus of someone on a note's button: it goes to
    // the same button of the note drawn anew.
    const active = document.activeElement;
    const li = active && $('notes-list').contains(active) ? active.closest('li[data-note]') : null;
    const again = li ? `li[data-note="${CSS.escape(li.dataset.note)}"] ${active.tagName.toLowerCase()}`
      + [...active.classList].map((c) => `.${CSS.escape(c)}`).join('') : null;
    $('notes-list').replaceChildren(...shown.map((n) => noteCard(n, byNote)));
    if (again) {
      const b = $('notes-list').querySelector(again);
      if (b) b.focus();
    }
    $('notes-count').textContent = `(${notes.length})`;
    fillNoteSelect();
  }

  function fillNoteSelect() {
    const sel = $('share-note');
    const keep = sel.value;
    sel.replaceChildren(el('option', { value: '', text: 'Choose a note…' }),
      ...[...notesCache].reverse().map((n) => el('option', { value: n.id, text: n.title || n.id })));
    if (keep) sel.value = keep;
  }

  // A result of the notes search: the note's card with the passage that matched under its title.
  function searchCard(n, byNote) {
    const card = noteCard(n, byNote);
    if (n.passage) card.querySelector('h3').after(passageEl(n.passage, n.highlights));
    return card;
  }

  let searchGeneration = 0;
  let searchTimer = null;
  // Searching as you type waits for a pause this long, so a word typed is one search, not one per letter.
  const SEARCH_DEBOUNCE_MS = 250;

  async function runSearch(q) {
    const generation = ++searchGeneration;
    if (!q) {
      $('search-results').replaceChildren();
      say('search-status', '');
      return;
    }
    say('search-status', 'Searching…');
    try {
      const r = await get(`/v1/search?q=${encodeURIComponent(q)}&k=10`);
      if (generation !== searchGeneration) return; // a newer search is on its way; show only that one
      const hits = r.results || [];
      const byNote = sharedByNote();
      $('search-results').replaceChildren(...hits.map((n) => searchCard(n, byNote)));
      say('search-status', hits.length ? `${hits.length} result${hits.length === 1 ? '' : 's'}, best first.`
        : r.noGoodAnswer ? 'No good answer in your vault. Try other words, or browse all notes below.'
          : 'No notes yet: add one below.');
    } catch (e) {
      if (generation !== searchGeneration) return;
      say('search-status', '');
      problem(e);
    }
  }

  function search(ev) {
    ev.preventDefault();
    clearTimeout(searchTimer);
    return runSearch($('search-q').value.trim());
  }

  function searchAsYouType() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => runSearch($('search-q').value.trim()), SEARCH_DEBOUNCE_MS);
  }

  // True once the note is deleted.
  async function removeNote(button, n) {
    if (!window.confirm(`Delete the note “${n.title}” from your vault?`)) return false;
    return busy(button, null, async () => {
      await api('DELETE', `/v1/notes/${encodeURIComponent(n.id)}`);
      flash(`Deleted “${n.title}”.`);
      $('search-results').querySelectorAll(`[data-note="${n.id}"]`).forEach((li) => li.remove());
      await loadNotes();
      return true;
    });
  }

  function shareThis(n) {
    fillNoteSelect();
    $('share-note').value = n.id;
    focusAfterView = 'share-circle';
    location.hash = '#sharing';
  }

  // ---- One note: read it in full, edit its text and tags, delete it (a dialog over the Notes view)

  let openedNote = null;
  let openedFrom = null;

  function localTime(iso) {
    const t = Date.parse(iso);
    return Number.isNaN(t) ? String(iso) : new Date(t).toLocaleString();
  }

  // The note's text goes in as text: whatever it holds (markup, a script tag) is shown, never run or rendered.
  function showNote(n) {
    openedNote = n;
    $('note-dialog-h').textContent = n.title || '(untitled)';
    const edited = n.updatedAt && n.updatedAt !== n.createdAt;
    const rows = [
      ['Created', timeEl(n.createdAt, `${localTime(n.createdAt)} (${ago(n.createdAt)})`)],
      edited ? ['Edited', timeEl(n.updatedAt, `${localTime(n.updatedAt)} (${ago(n.updatedAt)})`)] : null,
      ['Tags', n.tags && n.tags.length ? n.tags.map((t) => `#${t}`).join(' ') : 'none'],
      ['Source', n.source || 'typed in'],
    ].filter(Boolean);
    $('note-facts').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', null, v)]));
    $('note-body').textContent = n.text || '';
  }

  function showNoteView() {
    $('note-edit-form').hidden = true;
    $('note-view').hidden = false;
  }

  // busy() reports a failure in #problem, which the open dialog's backdrop covers: say it inside the dialog too.
  function repeatProblem() {
    say('note-dialog-problem', $('problem').textContent);
  }

  async function inDialog(control, work) {
    say('note-dialog-problem', '');
    say('note-dialog-status', '');
    const r = await busy(control, null, work);
    repeatProblem();
    return r;
  }

  async function openNote(n, opener) {
    openedFrom = opener;
    await busy(opener, null, async () => {
      const full = await get(`/v1/notes/${encodeURIComponent(n.id)}`);
      showNote(full);
      showNoteView();
      say('note-dialog-problem', '');
      say('note-dialog-status', '');
      if (!$('note-dialog').open) $('note-dialog').showModal();
      $('note-dialog-h').focus();
    });
  }

  function startEdit() {
    $('note-edit-text').value = openedNote.text || '';
    $('note-edit-tags').value = (openedNote.tags || []).join(', ');
    say('note-dialog-status', '');
    $('note-view').hidden = true;
    $('note-edit-form').hidden = false;
    $('note-edit-text').focus();
  }

  function cancelEdit() {
    showNoteView();
    say('note-dialog-problem', '');
    $('note-edit').focus();
  }

  async function saveNote(ev) {
    ev.preventDefault();
    const n = openedNote;
    await inDialog(ev.target, async () => {
      const saved = await api('PATCH', `/v1/notes/${encodeURIComponent(n.id)}`,
        { text: $('note-edit-text').value, tags: words($('note-edit-tags').value) });
      showNote(saved);
      showNoteView();
      say('note-dialog-status', 'Saved: the note is embedded again, so search finds it by its new text.');
      $('note-dialog-h').focus();
      await loadNotes();
    });
  }

  async function deleteOpenNote(ev) {
    say('note-dialog-problem', '');
    if (await removeNote(ev.currentTarget, openedNote)) {
      $('note-dialog').close();
    } else {
      repeatProblem();
    }
  }

  // Focus goes back to where the note was opened: its Open button, drawn anew if the list was, else the heading.
  function noteClosed() {
    const id = openedNote ? openedNote.id : null;
    openedNote = null;
    $('note-body').textContent = '';
    $('note-edit-text').value = '';
    const again = id ? document.querySelector(`#notes-list [data-note="${id}"] button.open`) : null;
    const back = openedFrom && openedFrom.isConnected ? openedFrom : again || $('notes-h');
    openedFrom = null;
    if (!$('nav').hidden) back.focus();
  }

  function forgetNote() {
    if ($('note-dialog').open) $('note-dialog').close();
    $('note-facts').replaceChildren();
    $('note-dialog-h').textContent = 'Note';
  }

  function wireNoteDialog() {
    const d = $('note-dialog');
    $('note-edit').addEventListener('click', startEdit);
    $('note-edit-cancel').addEventListener('click', cancelEdit);
    $('note-delete').addEventListener('click', deleteOpenNote);
    $('note-close').addEventListener('click', () => d.close());
    $('note-edit-form').addEventListener('submit', saveNote);
    // Escape while editing goes back to the note; Escape on the note closes it.
    d.addEventListener('cancel', (e) => {
      if (!$('note-edit-form').hidden) {
        e.preventDefault();
        cancelEdit();
      }
    });
    d.addEventListener('close', noteClosed);
  }

  // After pairing: both fingerprints, to compare with the other person out of band.
  function showPairCheck(p) {
    $('pair-check-name').textContent = p.petname;
    $('pair-their-fp').textContent = p.fingerprint || '';
    $('pair-your-fp').textContent = p.yourFingerprint || '';
    $('pair-check').hidden = false;
  }

  // ---- Sharing

  const DURATION = /^(\d+)([dh])$/;

  function seconds(d) {
    const m = DURATION.exec(d);
    return m ? Number(m[1]) * (m[2] === 'd' ? 86400 : 3600) : undefined;
  }

  async function share(ev) {
    ev.preventDefault();
    const noteId = $('share-note').value;
    if (!noteId) {
      problem(new Error('Choose a note to share.'));
      $('share-note').focus();
      return;
    }
    await busy(ev.target, null, async () => {
      const exp = $('share-expires').value;
      const r = await post('/v1/shares', {
        note: noteId, circle: $('share-circle').value.trim(), reach: Number($('share-reach').value),
        expiresSeconds: seconds(exp),
      });
      flash(`Shared “${r.title}” with ${r.audience}, ${until(r.expiresAt)}.${nobodyThere(r)}`);
      await loadShared();
    });
  }

  async function shareAid(ev) {
    ev.preventDefault();
    const form = ev.target;
    const kind = form.querySelector('input[name="kind"]:checked').value;
    await busy(form, null, async () => {
      const exp = $('aid-expires').value;
      const r = await post(`/v1/${kind}s`, {
        text: $('aid-text').value, circle: $('aid-circle').value.trim(), expiresSeconds: seconds(exp),
      });
      $('aid-text').value = '';
      flash(`Your ${kind} is shared with ${r.audience}.${nobodyThere(r)}`);
      await loadShared();
    });
  }

  // A circle nobody is in is most often a misspelt one.
  function nobodyThere(r) {
    return r.peersInCircle === 0
      ? ` Nobody you paired with is in “${r.audience}” yet: check the spelling under People.` : '';
  }

  function sharedCard(s) {
    const what = s.title || s.snippet || s.kind;
    return el('li', { class: 'card', 'data-record': s.id },
      el('h3', { class: 'title', text: what || s.id }),
      s.snippet && s.snippet !== s.title ? el('p', { class: 'snippet', text: s.snippet }) : null,
      el('p', { class: 'meta' },
        el('span', { class: 'kind', text: s.kind }),
        ` · with ${s.audience}`,
        s.reach ? ` · reach ${s.reach}` : '',
        ' · shared ', timeEl(s.createdAt, ago(s.createdAt)),
        ' · ', timeEl(s.expiresAt, until(s.expiresAt))),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'danger', onclick: (e) => unshare(e.currentTarget, s),
          'aria-label': `Unshare “${what}”`, text: 'Unshare' })));
  }

  let sharedGeneration = 0;

  async function loadShared(quiet) {
    const generation = ++sharedGeneration;
    try {
      const r = await get('/v1/shared');
      if (generation !== sharedGeneration) {
        return; // a newer load is on its way; render only that one
      }
      sharedCache = r.filter((s) => s.kind !== 'retract');
      say('shared-status', '');
    } catch (e) {
      sharedCache = [];
      if (e.status === 404) {
        say('shared-status', 'This node cannot share yet.');
        if (quiet) return;
      } else {
        throw e;
      }
    }
    $('shared-list').replaceChildren(...sharedCache.map(sharedCard));
    say('shared-status', sharedCache.length ? '' : 'Nothing shared: everything stays in your vault.');
    $('shared-count').textContent = `(${sharedCache.length})`;
  }

  async function unshare(button, s) {
    await busy(button, null, async () => {
      await api('DELETE', `/v1/shared/${encodeURIComponent(s.id)}`);
      flash('Unshared: your peers are told to forget it.');
      await loadShared();
    });
  }

  function renderProfile(p) {
    const topics = p.topics || [];
    const box = $('profile-preview');
    if (topics.length === 0) {
      box.replaceChildren(el('p', { text: `No topic qualifies in these ${p.notes} notes: a topic needs several ` +
        'notes that share words. Add notes or choose other tags; nothing would be published.' }));
      return;
    }
    box.replaceChildren(
      el('p', { text: `From ${p.notes} of your notes, your circle would see ${topics.length} ` +
        `topic${topics.length === 1 ? '' : 's'}, and nothing else: no note text, no exact counts ` +
        `(Laplace noise, ε = ${p.epsilon}). Each topic also carries a vector of numbers, its centre, ` +
        'which lets a question find it.' }),
      el('table', null,
        el('caption', { class: 'visually-hidden', text: 'What the profile reveals' }),
        el('thead', null, el('tr', null,
          el('th', { scope: 'col', text: 'Topic' }),
          el('th', { scope: 'col', text: 'Label words' }),
          el('th', { scope: 'col', text: 'Count (noisy)' }))),
        el('tbody', null, topics.map((t, i) => el('tr', null,
          el('td', { text: String(i + 1) }),
          el('td', { text: (t.labels || []).join(', ') }),
          el('td', { text: aboutNotes(t.noisyCount) }))))));
  }

  // The noise makes decimals meaningless, and a topic has at least one note: "about 3 notes" (as the CLI says).
  function aboutNotes(noisy) {
    const n = Math.max(1, Math.round(Number(noisy) || 0));
    return `about ${n} note${n === 1 ? '' : 's'}`;
  }

  async function previewProfile(ev) {
    ev.preventDefault();
    await busy(ev.target, null, async () => {
      const tags = words($('profile-tags').value);
      const p = await get(`/v1/profile${tags.length ? `?tag=${encodeURIComponent(tags.join(','))}` : ''}`);
      profilePreviewed = tags;
      renderProfile(p);
      $('profile-publish').hidden = !(p.topics && p.topics.length);
    });
  }

  async function publishProfile(ev) {
    ev.preventDefault();
    if (profilePreviewed === null) return;
    await busy(ev.target, null, async () => {
      const circle = $('profile-circle').value.trim();
      const r = await post('/v1/profile/publish', { circle, tags: profilePreviewed });
      flash(`Profile published to ${circle}.${nobodyThere(r)}`);
      $('profile-publish').hidden = true;
      await loadShared();
    });
  }

  // ---- People

  function svgDataUrl(svg) {
    const bytes = new TextEncoder().encode(svg);
    let bin = '';
    bytes.forEach((b) => { bin += String.fromCharCode(b); });
    return `data:image/svg+xml;base64,${btoa(bin)}`;
  }

  async function invite(ev) {
    ev.preventDefault();
    await busy(ev.target, null, async () => {
      const r = await post('/v1/invites', {
        circle: $('invite-circle').value.trim(),
        expiresSeconds: Number($('invite-expires').value),
        uses: Number($('invite-uses').value) || 1,
      });
      $('invite-code').value = r.code;
      $('invite-meta').textContent = `Circle ${r.circle}, ${r.uses} use${r.uses === 1 ? '' : 's'}, ${until(r.expiresAt)}.`;
      const img = $('invite-qr');
      if (r.qrSvg) {
        img.src = svgDataUrl(r.qrSvg);
        img.hidden = false;
      } else {
        img.removeAttribute('src');
        img.hidden = true;
      }
      $('invite-out').hidden = false;
      flash('Invite ready.');
      $('invite-code').focus();
      $('invite-code').select();
    });
  }

  async function copyInvite() {
    const t = $('invite-code');
    try {
      await navigator.clipboard.writeText(t.value);
      flash('Copied.');
    } catch (e) {
      t.focus();
      t.select();
      flash('Selected: press Ctrl-C (or ⌘-C) to copy.');
    }
  }

  async function pair(ev) {
    ev.preventDefault();
    const form = ev.target;
    say('pair-status', 'Pairing… (this reaches the other node; it can take a few seconds)');
    await busy(form, 'pair-status', async () => {
      const name = $('pair-name').value.trim();
      const circle = $('pair-circle').value.trim();
      const p = await post('/v1/pair', { code: $('pair-code').value.trim(), name: name || undefined,
        circle: circle || undefined });
      form.reset();
      say('pair-status', `Paired with ${p.petname} (circle ${p.circle}). Compare your fingerprints now.`);
      showPairCheck(p);
      await loadPeers();
    });
  }

  async function peerAction(button, p, method, suffix, body, done) {
    await busy(button, null, async () => {
      await api(method, `/v1/peers/${encodeURIComponent(p.id)}${suffix}`, body);
      say('peers-status', done);
      await loadPeers();
    });
  }

  function peerCard(p) {
    const safe = p.publicKey || p.id.replace(/[^a-z0-9]/gi, '');
    const nameId = `rename-${safe}`;
    const circleId = `move-${safe}`;
    const state = p.blocked ? 'blocked' : p.unpairPending ? 'unpairing' : p.connected ? 'connected' : 'not connected';
    // How the connection runs: on the local network, direct, or through a room (its name).
    const how = state === 'connected' && p.link ? ` (${p.link})` : '';
    return el('li', { class: 'card', 'data-peer': p.id },
      el('h4', { class: 'title', text: p.petname }),
      el('p', { class: 'meta' },
        el('span', { class: `state state-${state.replace(' ', '-')}`, text: state + how }),
        ' · last seen ', timeEl(p.lastSeen, ago(p.lastSeen))),
      el('p', { class: 'id' }, el('code', { text: p.id })),
      p.fingerprint ? el('p', { class: 'fingerprint' }, 'fingerprint ', el('code', { text: p.fingerprint })) : null,
      el('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        peerAction(e.target.querySelector('button'), p, 'PATCH', '', { name: $(nameId).value.trim() },
          `Renamed to ${$(nameId).value.trim()}.`);
      } },
      el('label', { for: nameId, text: 'Petname' }),
      el('input', { id: nameId, type: 'text', value: p.petname, required: true, autocomplete: 'off' }),
      el('button', { type: 'submit', text: 'Rename' })),
      el('form', { class: 'inline', onsubmit: (e) => {
        e.preventDefault();
        peerAction(e.target.querySelector('button'), p, 'PATCH', '', { circle: $(circleId).value.trim() },
          `${p.petname} moved to ${$(circleId).value.trim()}.`);
      } },
      el('label', { for: circleId, text: 'Circle' }),
      el('input', { id: circleId, type: 'text', value: p.circle, list: 'circles', required: true, autocomplete: 'off' }),
      el('button', { type: 'submit', text: 'Move' })),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'danger', 'aria-label': `Unpair ${p.petname}`, text: 'Unpair',
          onclick: (e) => {
            if (window.confirm(`Unpair ${p.petname}? You stop sharing with each other.`)) {
              peerAction(e.currentTarget, p, 'DELETE', '', undefined, `Unpaired ${p.petname}.`);
            }
          } }),
        p.blocked ? null : el('button', { type: 'button', class: 'danger', 'aria-label': `Block ${p.petname}`,
          text: 'Block', onclick: (e) => {
            if (window.confirm(`Block ${p.petname}? Their key will not even finish a handshake with you.`)) {
              peerAction(e.currentTarget, p, 'POST', '/block', {}, `Blocked ${p.petname}.`);
            }
          } })));
  }

  let peersGeneration = 0;

  async function loadPeers() {
    // Several loads can be in flight (login, switching to People, after an action); only the newest renders,
    // and what the person is typing in a field survives the re-render.
    const generation = ++peersGeneration;
    const peers = await get('/v1/peers');
    if (generation !== peersGeneration) {
      return;
    }
    const typed = new Map();
    for (const input of $('peers-list').querySelectorAll('input')) {
      if (input.value !== input.defaultValue) typed.set(input.id, input.value);
    }
    const focused = document.activeElement && $('peers-list').contains(document.activeElement)
      ? document.activeElement.id : null;
    const circles = new Map();
    for (const p of peers) {
      if (!circles.has(p.circle)) circles.set(p.circle, []);
      circles.get(p.circle).push(p);
    }
    const list = $('peers-list');
    if (peers.length === 0) {
      list.replaceChildren(el('p', { text: 'No peers yet: make an invite or paste one above.' }));
    } else {
      list.replaceChildren(...[...circles.entries()].map(([c, ps]) => el('section', { class: 'circle', 'aria-label': `Circle ${c}` },
        el('h3', { text: `Circle ${c}` }),
        el('ul', { class: 'cards' }, ps.map(peerCard)))));
    }
    for (const [id, value] of typed) {
      const input = $(id);
      if (input) input.value = value;
    }
    if (focused && $(focused)) $(focused).focus();
    $('peers-count').textContent = `(${peers.length})`;
    const names = new Set(circles.size ? circles.keys() : ['friends']);
    $('circles').replaceChildren(...[...names].map((c) => el('option', { value: c })));
    suggestCircle(peers);
  }

  // The circle fields start with the circle most of your (unblocked) peers are in, so a share goes where someone
  // receives it; with no peers they start empty, with a hint. A field the person typed in is left alone.
  const CIRCLE_FIELDS = ['share-circle', 'aid-circle', 'profile-circle', 'invite-circle'];

  function suggestCircle(peers) {
    const count = new Map();
    for (const p of peers) {
      if (!p.blocked) count.set(p.circle, (count.get(p.circle) || 0) + 1);
    }
    let best = '';
    for (const [c, n] of count) {
      if (!best || n > count.get(best)) best = c;
    }
    for (const id of CIRCLE_FIELDS) {
      const f = $(id);
      if (f.value === '' || f.value === f.dataset.suggested) {
        f.value = best;
        f.dataset.suggested = best;
      }
      $(`${id}-hint`).hidden = best !== '';
    }
  }

  // ---- Status

  async function loadStatus() {
    const st = await get('/v1/status');
    const idn = st.identity || {};
    const rows = [
      ['Name', idn.name || '(none)'],
      ['Id', idn.id],
      ['Fingerprint', idn.fingerprint],
      ['Running', st.running ? 'yes' : 'no'],
      ['Listening on', st.listen || 'not listening'],
      ['Peers', `${st.peers} paired, ${st.connected} connected`],
      ['Reachable at', (st.reachableAt || []).join(', ') || 'nowhere yet'],
      ['Network', st.reachability ? st.reachability.text : 'unknown'],
      ['Rooms', (st.rooms || []).map((r) => `${r.name} (${r.connected ? 'connected' : 'not connected'})`).join(', ')
        || 'none (`kith rooms join CODE`)'],
      ['Notes', String(st.notes)],
      ['Vault', st.vault],
      ['Model', st.model],
      ['Home folder', st.home],
    ];
    $('status-list').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v ?? '' })]));
  }

  // ---- Live: the node's events, the inbox, folder import with progress

  // Server-sent events from /v1/events (the session cookie authenticates it; EventSource sends no other header).
  // The browser reconnects by itself after a node restart; a refused stream (logged out) stays closed.
  let live = null;

  function openLive() {
    if (live || typeof EventSource === 'undefined') return;
    live = new EventSource('/v1/events');
    live.addEventListener('open', () => { loadInboxCount().catch(() => {}); });
    live.addEventListener('inbox-changed', (e) => {
      showInboxCount(JSON.parse(e.data).unread);
      if (currentView() === 'inbox') loadInbox().catch(problem);
    });
    live.addEventListener('record-arrived', () => {
      const v = currentView();
      if (v === 'people' || v === 'sharing') refreshView(v);
    });
    live.addEventListener('error', () => {
      if (live && live.readyState === EventSource.CLOSED) live = null;
    });
  }

  function closeLive() {
    if (live) live.close();
    live = null;
    showInboxCount(0);
    $('inbox-list').replaceChildren();
    say('inbox-status', '');
  }

  function showInboxCount(unread) {
    const c = $('inbox-count');
    c.hidden = !unread;
    c.replaceChildren(String(unread || 0), el('span', { class: 'visually-hidden', text: ' unread' }));
  }

  async function loadInboxCount() {
    const r = await get('/v1/inbox');
    showInboxCount(r.unread);
    return r;
  }

  function renderInboxEntry(e) {
    const fits = [
      ...e.offers.map((o) => el('li', null, 'Your offer: ', el('q', { text: o.text }),
        ` (shared with ${o.circle}, match ${o.score.toFixed(2)})`)),
      ...e.notes.map((n) => el('li', null, 'Your note: ', el('strong', { text: n.title }),
        ` (match ${n.score.toFixed(2)})`)),
    ];
    const act = (what) => async (ev) => {
      await busy(ev.target, 'inbox-status', async () => {
        await post(`/v1/inbox/${encodeURIComponent(e.id)}/${what}`);
        await loadInbox();
      });
    };
    return el('li', { class: `card inbox-entry${e.read ? '' : ' unread'}` },
      el('h3', { class: 'title', text: e.text }),
      el('blockquote', { class: 'need', text: e.need }),
      el('p', { class: 'meta' }, e.read ? 'read' : 'new', ' · ', `from ${e.from.petname}`, ' · ',
        timeEl(e.arrivedAt, ago(e.arrivedAt)), ' · ', until(e.expiresAt)),
      el('ul', { class: 'fits', 'aria-label': 'What of yours fits' }, fits),
      el('div', { class: 'actions' },
        e.read ? null : el('button', { type: 'button', text: 'Mark read', onclick: act('read') }), ' ',
        el('button', { type: 'button', text: 'Dismiss', onclick: act('dismiss') })));
  }

  async function loadInbox() {
    const r = await loadInboxCount();
    $('inbox-list').replaceChildren(...r.entries.map(renderInboxEntry));
    say('inbox-status', r.entries.length ? `${r.entries.length} need${r.entries.length === 1 ? '' : 's'}, `
      + `${r.unread} unread.` : 'Nothing yet: when a peer\u2019s need fits your notes or offers, it shows here.');
  }

  // A long route's answer as it goes (Accept: application/x-ndjson): progress lines, then the result.
  async function postStreamed(path, body, onProgress) {
    let res;
    try {
      res = await fetch(path, {
        method: 'POST', credentials: 'same-origin', cache: 'no-store', body: JSON.stringify(body),
        headers: { 'X-Kith-Request': '1', 'Accept': 'application/x-ndjson', 'Content-Type': 'application/json' },
      });
    } catch (e) {
      throw new ApiError(0, 'Cannot reach your node: is `kith start` still running?');
    }
    if (res.status === 401) {
      showGate('Your login has ended or this page was opened without its login link.');
      throw new ApiError(401, 'Not logged in.');
    }
    if (!(res.headers.get('Content-Type') || '').startsWith('application/x-ndjson')) {
      const data = await res.json().catch(() => null);
      if (!res.ok) throw new ApiError(res.status, data && data.error ? data.error : `The node answered ${res.status}.`);
      return data;
    }
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const o = JSON.parse(line);
        if (o.progress) onProgress(o.progress);
        else if ('result' in o) return o.result;
        else throw new ApiError(400, o.error || 'The import failed.');
      }
    }
    throw new ApiError(0, 'The node ended its answer early: did it stop?');
  }

  // Limits of a folder import, as the node's API sets them (spec/API.md): a part is at most 200 files and 6 MiB
  // of text, below the 8 MiB a request may carry; one file at most 4 MiB, as for `kith note import`.
  const PART_FILES = 200;
  const PART_BYTES = 6 * 1024 * 1024;
  const MAX_FILE_BYTES = 4 * 1024 * 1024;
  const MAX_FOLDER_FILES = 20000;

  // "sub › note.md" for "Folder/sub/note.md": unique within the folder, and without the slashes names may not hold.
  function folderName(f) {
    const parts = (f.webkitRelativePath || f.name).split('/');
    return (parts.length > 1 ? parts.slice(1) : parts).join(' \u203a ');
  }

  function importProgress(done, total) {
    const bar = $('import-progress');
    bar.hidden = false;
    bar.max = Math.max(1, total);
    bar.value = done;
    say('import-status', `Importing: ${done} of ${total} file${total === 1 ? '' : 's'}…`);
  }

  async function importFolder(fileList) {
    const all = [...fileList];
    const files = all.filter((f) => !(f.webkitRelativePath || f.name).split('/').some((p) => p.startsWith('.'))
      && /\.(md|markdown|txt)$/i.test(f.name));
    if (files.length === 0) {
      say('import-status', 'That folder holds no .md, .markdown or .txt files; nothing was imported.');
      return;
    }
    if (files.length > MAX_FOLDER_FILES) {
      say('import-status', `That folder holds ${files.length} notes files; at most ${MAX_FOLDER_FILES} go in one `
        + 'import. Choose a subfolder; nothing was imported.');
      return;
    }
    const sum = { files: 0, imported: 0, unchanged: 0, updated: 0, notesAdded: 0, notesUpdated: 0, notesRemoved: 0,
      sharesResigned: 0, skipped: [] };
    importProgress(0, files.length);
    await busy($('import-folder'), 'import-status', async () => {
      let i = 0;
      let done = 0;
      while (i < files.length) {
        const part = [];
        let bytes = 0;
        while (i < files.length && part.length < PART_FILES) {
          const f = files[i];
          const name = folderName(f);
          if (f.size > MAX_FILE_BYTES || name.length > 255) {
            sum.skipped.push(`${name}: ${f.size > MAX_FILE_BYTES ? 'larger than 4 MiB' : 'path longer than 255 characters'}`);
            i += 1;
            done += 1;
            continue;
          }
          if (part.length && bytes + f.size > PART_BYTES) break;
          part.push({ name, text: await readFile(f) });
          bytes += f.size + name.length;
          i += 1;
        }
        if (part.length) {
          const before = done;
          const r = await postStreamed('/v1/notes/upload', { files: part },
            (p) => importProgress(before + p.done, files.length));
          for (const k of ['files', 'imported', 'unchanged', 'updated', 'notesAdded', 'notesUpdated', 'notesRemoved',
            'sharesResigned']) sum[k] += r[k] || 0;
          sum.skipped.push(...r.skipped);
          done += part.length;
        }
        importProgress(done, files.length);
      }
      const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
      const parts = [`Read ${plural(sum.files, 'file')} from the folder: ${sum.imported} new, ${sum.updated} changed, `
        + `${sum.unchanged} unchanged; ${plural(sum.notesAdded, 'note')} added`];
      if (sum.notesUpdated) parts.push(`${plural(sum.notesUpdated, 'note')} updated in place`);
      if (sum.notesRemoved) parts.push(`${plural(sum.notesRemoved, 'earlier note')} removed`);
      if (sum.sharesResigned) parts.push(`${plural(sum.sharesResigned, 'share')} signed again with the new text`);
      if (sum.skipped.length) parts.push(`skipped: ${sum.skipped.join(', ')}`);
      say('import-status', `${parts.join(', ')}.`);
      await loadNotes();
    });
  }

  function wireLive() {
    $('import-folder').addEventListener('change', (e) => {
      const files = e.target.files;
      if (files && files.length) importFolder(files).finally(() => { e.target.value = ''; });
    });
  }

  // ---- Logout

  async function logout() {
    try {
      await post('/v1/ui/logout');
    } catch (e) {
      if (e.status !== 401) {
        problem(e);
        return;
      }
    }
    showGate('You are logged out. Open a new login link (run `kith ui`) to come back.');
    $('gate-h').focus();
  }

  // ---- wiring

  function wireDrop() {
    const zone = $('drop');
    ['dragenter', 'dragover'].forEach((t) => zone.addEventListener(t, (e) => {
      e.preventDefault();
      zone.classList.add('over');
    }));
    ['dragleave', 'drop'].forEach((t) => zone.addEventListener(t, () => zone.classList.remove('over')));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) upload(e.dataTransfer.files);
    });
    // A file dropped next to the zone must not make the browser navigate away from the page.
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => e.preventDefault());
    $('import-files').addEventListener('change', (e) => {
      const files = e.target.files;
      if (files && files.length) upload(files).finally(() => { e.target.value = ''; });
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('ask-form').addEventListener('submit', ask);
    $('note-form').addEventListener('submit', addNote);
    $('search-form').addEventListener('submit', search);
    $('search-q').addEventListener('input', searchAsYouType);
    $('notes-filter').addEventListener('submit', (e) => { e.preventDefault(); loadNotes().catch(problem); });
    $('share-form').addEventListener('submit', share);
    $('aid-form').addEventListener('submit', shareAid);
    $('profile-form').addEventListener('submit', previewProfile);
    $('profile-publish').addEventListener('submit', publishProfile);
    $('invite-form').addEventListener('submit', invite);
    $('invite-copy').addEventListener('click', copyInvite);
    $('pair-form').addEventListener('submit', pair);
    $('status-refresh').addEventListener('click', () => loadStatus().catch(problem));
    $('logout').addEventListener('click', logout);
    window.addEventListener('hashchange', () => { if (!$('nav').hidden) showView(true); });
    wireDrop();
    wireNoteDialog();
    wireLive();
    start();
  });
})();
