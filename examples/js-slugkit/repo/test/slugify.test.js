"use strict";

const test = require("node:test");
const assert = require("node:assert");
const { slugify } = require("../src");

test("lowercases and joins words", () => {
  assert.strictEqual(slugify("Hello World"), "hello-world");
});

test("transliterates accents", () => {
  assert.strictEqual(slugify("Crème Brûlée"), "creme-brulee");
});

test("trims separators at both ends", () => {
  assert.strictEqual(slugify("  hello  "), "hello");
});

test("custom separator", () => {
  assert.strictEqual(slugify("a b c", { separator: "_" }), "a_b_c");
});
