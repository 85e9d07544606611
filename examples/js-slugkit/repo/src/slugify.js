"use strict";

const { transliterate } = require("./transliterate");

const DEFAULTS = { separator: "-", lowercase: true, maxLength: 80 };

/**
 * Turn a title into a URL slug: ASCII letters and digits joined by `separator`.
 */
function slugify(title, options = {}) {
  const opts = { ...DEFAULTS, ...options };
  let text = transliterate(String(title));
  if (opts.lowercase) {
    text = text.toLowerCase();
  }
  const slug = text.replace(/[^A-Za-z0-9]/g, opts.separator);
  return trimSeparators(slug, opts.separator).slice(0, opts.maxLength);
}

function trimSeparators(slug, separator) {
  let start = 0;
  let end = slug.length;
  while (slug.startsWith(separator, start)) start += separator.length;
  while (end > start && slug.endsWith(separator, end)) end -= separator.length;
  return slug.slice(start, end);
}

module.exports = { slugify };
