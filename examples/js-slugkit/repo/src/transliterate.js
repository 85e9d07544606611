"use strict";

// Decompose accented letters and drop the combining marks: "é" -> "e".
function transliterate(text) {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

module.exports = { transliterate };
