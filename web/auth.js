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
  } catch (e) {
    // A server without sign-in (404) serves everyone everything.
    setHasAuth(e.status !== 404 && e.status !== 0);
    setUser(null);
  }
  if (!getUser()) forgetToken();
  renderAccount();
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
