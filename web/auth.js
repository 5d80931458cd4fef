// Signing in and out (top right). Personal details — owners, names, contributions, the
// history — are for signed-in users only; on a change of user every part of the page
// fetches again what the role may see (the `user` event).

import * as api from './api.js';
import { $, esc, setStatus } from './dom.js';
import { t } from './i18n.js';
import {
  emit, getUser, hasAuth, on, setHasAuth, setUser,
} from './state.js';

const TOKEN_KEY = 'drainplan.token';
const USER_KEY = 'drainplan.user';

function renderAccount() {
  const user = getUser();
  $('#account').hidden = !hasAuth();
  $('#signin-btn').hidden = !!user;
  $('#signout-btn').hidden = !user;
  const who = $('#who');
  who.hidden = !user;
  if (user) who.innerHTML = `<b>${esc(user.name)}</b> · ${esc(t(`auth.role.${user.role}`))}`;
}

function forgetToken() {
  api.setToken(null);
  keepUser(null);
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* no storage */
  }
}

/** Picks up the session kept for this tab, and asks the server who it belongs to. */
export async function restore() {
  let saved = null;
  try {
    saved = sessionStorage.getItem(TOKEN_KEY);
  } catch {
    /* no storage */
  }
  if (saved) api.setToken(saved);
  try {
    const me = await api.whoAmI();
    setHasAuth(true);
    setUser(me && me.role && me.role !== 'public' ? { name: me.name, role: me.role } : null);
    keepUser(getUser());
  } catch (e) {
    // A server without sign-in (404) serves everyone everything.
    setHasAuth(e.status !== 404 && e.status !== 0);
    setUser(null);
    if (e.status === 0 && saved) {
      // No connection: the session is not known to be over. Keep it (and who it was), so
      // that the edits kept on the device go out when the connection returns.
      const who = savedUser();
      if (who) {
        setHasAuth(true);
        setUser(who);
      }
    }
  }
  if (!getUser()) forgetToken();
  renderAccount();
}

/** Who the session kept for this tab belonged to, as last confirmed by the server. */
function savedUser() {
  try {
    const u = JSON.parse(sessionStorage.getItem(USER_KEY) || 'null');
    return u && typeof u.name === 'string' && typeof u.role === 'string' ? { name: u.name, role: u.role } : null;
  } catch {
    return null;
  }
}

function keepUser(u) {
  try {
    if (u) sessionStorage.setItem(USER_KEY, JSON.stringify(u));
    else sessionStorage.removeItem(USER_KEY);
  } catch {
    /* no storage */
  }
}

/** Wires the sign-in form and the sign-out button. */
export function init() {
  on('lang', renderAccount);
  const form = $('#signin-form');
  $('#signin-btn').addEventListener('click', () => {
    form.hidden = !form.hidden;
    if (!form.hidden) $('#signin-name').focus();
  });
  $('#signin-cancel').addEventListener('click', () => {
    form.hidden = true;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const err = $('#signin-error');
    setStatus(err, '');
    try {
      const r = await api.signIn($('#signin-name').value.trim(), $('#signin-password').value);
      api.setToken(r.token);
      try {
        sessionStorage.setItem(TOKEN_KEY, r.token);
      } catch {
        /* no storage: the session lasts as long as the page */
      }
      setUser({ name: r.name, role: r.role });
      keepUser(getUser());
      form.hidden = true;
      form.reset();
      renderAccount();
      emit('user');
    } catch (ex) {
      setStatus(err, t('auth.failed', { msg: ex.message }), true);
    }
  });
  $('#signout-btn').addEventListener('click', async () => {
    await api.signOut();
    forgetToken();
    setUser(null);
    renderAccount();
    emit('user');
  });
  // The server forgot the session (a restart): the page carries on as the public and says
  // why; what is on screen stays until the next fetch (an officer's popup shows the reason).
  api.setOnExpired(() => {
    forgetToken();
    setUser(null);
    renderAccount();
    setStatus($('#impact-status'), t('auth.expired'), true);
  });
}
