// Layers drawn from the server's vector tiles (/tiles/{layer}/{z}/{x}/{y}.mvt) where the
// GeoJSON of the view would be too much (a province's parcels, or parcels below the zoom
// where they are fetched as features): a Leaflet grid layer whose canvas tiles are drawn
// from each tile's Mapbox Vector Tile, decoded with pbf (npm), and a hit test over the
// decoded features so that a click opens the same popup as a GeoJSON feature.

/* global L */
import { PbfReader } from './node_modules/pbf/index.js';
import { fetchTile } from './api.js';
import { busy } from './state.js';

const TILE_SIZE = 256;

// ---------------------------------------------------------------------------------
// Decoding (Mapbox Vector Tile 2.1: vector_tile.proto, field numbers as in the spec)

const GEOM = { 1: 'point', 2: 'line', 3: 'polygon' };

function readValue(pbf) {
  let value = null;
  const end = pbf.readVarint() + pbf.pos;
  while (pbf.pos < end) {
    const tag = pbf.readVarint() >> 3;
    if (tag === 1) value = pbf.readString();
    else if (tag === 2) value = pbf.readFloat();
    else if (tag === 3) value = pbf.readDouble();
    else if (tag === 4) value = pbf.readVarint(true);
    else if (tag === 5) value = pbf.readVarint();
    else if (tag === 6) value = pbf.readSVarint();
    else if (tag === 7) value = pbf.readBoolean();
    else value = null;
  }
  return value;
}

function readFeature(tag, f, pbf) {
  if (tag === 1) f.id = pbf.readVarint();
  else if (tag === 2) f.tags = pbf.readPackedVarint();
  else if (tag === 3) f.type = GEOM[pbf.readVarint()] || null;
  else if (tag === 4) f.geometry = pbf.readPackedVarint();
}

function readLayer(tag, layer, pbf) {
  if (tag === 1) layer.name = pbf.readString();
  else if (tag === 2) layer.features.push(pbf.readMessage(readFeature, { tags: [], geometry: [] }));
  else if (tag === 3) layer.keys.push(pbf.readString());
  else if (tag === 4) layer.values.push(readValue(pbf));
  else if (tag === 5) layer.extent = pbf.readVarint();
}

/** The geometry commands of a feature as rings or lines of [x, y] in tile units. */
function decodeGeometry(cmds) {
  const parts = [];
  let part = null;
  let x = 0;
  let y = 0;
  let i = 0;
  while (i < cmds.length) {
    const c = cmds[i++];
    const id = c & 7;
    const count = c >> 3;
    if (id === 1 || id === 2) {
      for (let k = 0; k < count; k++) {
        const dx = cmds[i++];
        const dy = cmds[i++];
        x += (dx >> 1) ^ -(dx & 1);
        y += (dy >> 1) ^ -(dy & 1);
        if (id === 1) {
          part = [];
          parts.push(part);
        }
        part.push([x, y]);
      }
    } else if (id === 7 && part && part.length) {
      part.push(part[0]);
    }
  }
  return parts;
}

/** Decodes a tile into { layerName: { extent, features: [{ type, properties, parts }] } }. */
export function decode(buffer) {
  const pbf = new PbfReader(new Uint8Array(buffer));
  const layers = {};
  pbf.readFields((tag, out, p) => {
    if (tag !== 3) return;
    const layer = p.readMessage(readLayer, {
      name: '', features: [], keys: [], values: [], extent: 4096,
    });
    layers[layer.name] = {
      extent: layer.extent,
      features: layer.features.map((f) => {
        const properties = {};
        for (let k = 0; k + 1 < f.tags.length; k += 2) properties[layer.keys[f.tags[k]]] = layer.values[f.tags[k + 1]];
        return { type: f.type, properties, parts: decodeGeometry(f.geometry) };
      }),
    };
  }, layers);
  return layers;
}

// ---------------------------------------------------------------------------------
// Hit test helpers (tile units)

function ringContains(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function segmentDistance(p, a, b) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  let t = len ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len : 0;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

function hits(feature, x, y, slop) {
  if (feature.type === 'polygon') {
    // Even-odd over every ring: holes take themselves out.
    let inside = false;
    for (const ring of feature.parts) if (ringContains(ring, x, y)) inside = !inside;
    return inside;
  }
  if (feature.type === 'line') {
    for (const line of feature.parts) {
      for (let i = 1; i < line.length; i++) if (segmentDistance([x, y], line[i - 1], line[i]) <= slop) return true;
    }
    return false;
  }
  return false;
}

// ---------------------------------------------------------------------------------
// The layer

/**
 * A grid layer that draws `layer`'s vector tiles with `draw(ctx, feature, scale, zoom)`
 * (scale: canvas pixels per tile unit). Options: layer, draw, pane, minZoom.
 */
export const VectorTileLayer = L.GridLayer.extend({
  options: { tileSize: TILE_SIZE, updateWhenZooming: false, keepBuffer: 1 },

  initialize(options) {
    L.setOptions(this, options);
    /** tile key → { layer (decoded), coords } */
    this._decoded = new Map();
    this._drawn = 0;
    this.on('tileunload', (e) => {
      const key = this._tileCoordsToKey(e.coords);
      const kept = this._decoded.get(key);
      if (kept) this._drawn -= kept.layer?.features.length ?? 0;
      this._decoded.delete(key);
      e.tile._abort?.abort();
      // An unloaded tile never becomes ready: when it was the last one awaited, the layer
      // has loaded what it shows.
      if (this._loading && this._map && this._noTilesToLoad()) {
        this._loading = false;
        this.fire('load');
      }
    });
  },

  createTile(coords, done) {
    const canvas = L.DomUtil.create('canvas', 'vt-tile');
    const ratio = window.devicePixelRatio || 1;
    const size = this.getTileSize();
    canvas.width = size.x * ratio;
    canvas.height = size.y * ratio;
    const ctl = new AbortController();
    canvas._abort = ctl;
    const key = this._tileCoordsToKey(coords);
    // A tile in flight counts as the page's request until it is drawn (or dropped), so the
    // busy mark clears only once the view's tiles are painted.
    busy(1);
    let counted = true;
    const settle = () => {
      if (counted) busy(-1);
      counted = false;
    };
    fetchTile(this.options.layer, coords.z, coords.x, coords.y, { signal: ctl.signal })
      .then((buffer) => {
        const layer = buffer ? decode(buffer)[this.options.layer] : null;
        this._decoded.set(key, { layer, coords });
        if (layer) {
          this._drawn += layer.features.length;
          const ctx = canvas.getContext('2d');
          const scale = (size.x * ratio) / layer.extent;
          for (const f of layer.features) this.options.draw(ctx, f, scale, coords.z, ratio);
        }
        done(null, canvas);
      })
      .catch((e) => {
        if (e.name !== 'AbortError') done(e, canvas);
      })
      .finally(settle);
    return canvas;
  },

  /** How many features the tiles on the map hold (cells count once). */
  drawnCount() {
    return this._drawn;
  },

  /** The features under `latlng` (polygons containing it, lines within a few pixels). */
  featuresAt(latlng) {
    const map = this._map;
    if (!map) return [];
    const z = this._tileZoom;
    if (z === undefined) return [];
    const size = this.getTileSize();
    const p = map.project(latlng, z);
    const coords = L.point(Math.floor(p.x / size.x), Math.floor(p.y / size.y));
    coords.z = z;
    const kept = this._decoded.get(this._tileCoordsToKey(coords));
    if (!kept?.layer) return [];
    const unit = kept.layer.extent / size.x;
    const x = (p.x - coords.x * size.x) * unit;
    const y = (p.y - coords.y * size.y) * unit;
    return kept.layer.features.filter((f) => f.properties.id !== undefined && hits(f, x, y, 6 * unit));
  },

  /** Draws every tile again (a feature changed). */
  refresh() {
    this.redraw();
  },
});

/** Traces a feature's parts on `ctx` (tile units × scale). */
export function trace(ctx, feature, scale) {
  ctx.beginPath();
  for (const part of feature.parts) {
    part.forEach(([x, y], i) => {
      if (i === 0) ctx.moveTo(x * scale, y * scale);
      else ctx.lineTo(x * scale, y * scale);
    });
  }
}
