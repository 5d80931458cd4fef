// Small helpers every part of the page uses to write into the document, and the one way
// the page gives elements colours and sizes computed at run time.
//
// The service sends `Content-Security-Policy: style-src 'self'`, which refuses style
// attributes in HTML the page writes (innerHTML). So HTML strings carry those values as
// data attributes (made by paintAttrs) and paint() sets them through the CSSOM, which the
// policy allows; only colours and percentages pass, never free CSS text.

import { emit } from './state.js';

export const $ = (sel) => document.querySelector(sel);

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/** A message in a status line (hidden when empty); `error` colours it as a failure. */
export function setStatus(el, text, error = false) {
  el.hidden = !text;
  el.textContent = text || '';
  el.classList.toggle('error', !!error);
}

/** Shows the side panel's tab `name` (reports, impact, hydraulics); tells who listens. */
export function showTab(name) {
  for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  for (const s of document.querySelectorAll('.tab-body')) s.hidden = s.id !== `tab-${name}`;
  emit('tab', { name });
}

const COLOR = /^#[0-9a-f]{3,8}$/i;

/**
 * Attributes for paint(): `bg` a background colour, `line` a border colour, `width` and
 * `left` percentages. Returns a string to put inside an opening tag.
 */
export function paintAttrs({ bg, line, width, left } = {}) {
  let s = '';
  if (bg) s += ` data-bg="${esc(bg)}"`;
  if (line) s += ` data-line="${esc(line)}"`;
  if (width !== undefined) s += ` data-width="${Number(width)}"`;
  if (left !== undefined) s += ` data-left="${Number(left)}"`;
  return s;
}

/** Applies the paintAttrs() attributes under `root` (and on it). */
export function paint(root) {
  const els = root.matches?.('[data-bg],[data-line],[data-width],[data-left]') ? [root] : [];
  els.push(...root.querySelectorAll('[data-bg],[data-line],[data-width],[data-left]'));
  for (const el of els) {
    const { bg, line, width, left } = el.dataset;
    if (bg && COLOR.test(bg)) el.style.background = bg;
    if (line && COLOR.test(line)) el.style.borderColor = line;
    if (width !== undefined && Number.isFinite(Number(width))) el.style.width = `${Number(width)}%`;
    if (left !== undefined && Number.isFinite(Number(left))) el.style.left = `${Number(left)}%`;
  }
}

/** Sets an element's content from an HTML string, and paints it. */
export function setHtml(el, html) {
  el.innerHTML = html;
  paint(el);
}

/**
 * HTML as a detached node (painted). Leaflet's popup.update() (a new layout after a form
 * message or the history appears) re-inserts a node but re-parses a string, which would
 * drop the forms' listeners and whatever the officer typed.
 */
export function htmlNode(html) {
  const d = document.createElement('div');
  setHtml(d, html);
  return d;
}
