/* Native Python extractor: the rows of graph_index/parsing/python.py `extract_rows_python(data)`,
 * from one walk over the tree in C instead of a tree-sitter Query plus Python Node objects.
 *
 * The contract is parity: for every input, `extract_rows` here returns exactly what the Python
 * extractor returns (tests/graph/test_native_extract.py and benchmarks/indexing/parity.py check it).
 * Each step below mirrors one step of python.py in the same order, because row order matters
 * (refs are deduplicated first-seen, symbol indices are document order). String handling with
 * Unicode semantics (whitespace, strip, cleandoc) runs in C only for ASCII text; anything else
 * (and docstrings with escapes, which Python evaluates) goes to the Python helpers passed to
 * `configure`, so both paths share one definition of each.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The runtime's amalgamation in this translation unit: one compile, and the cursor calls of the
 * walk below can be inlined. */
#include "lib.c"

enum {
    K_OTHER = 0,
    K_CLASS,
    K_FUNCTION,
    K_DECORATED,
    K_DECORATOR,
    K_CALL,
    K_IDENTIFIER,
    K_ATTRIBUTE,
    K_IMPORT,
    K_IMPORT_FROM,
    K_TYPE,
    K_ASSIGNMENT,
    K_STRING,
    K_EXPR_STMT,
    K_DOTTED_NAME,
    K_ALIASED_IMPORT,
    K_WILDCARD_IMPORT,
};

static const struct {
    const char *name;
    uint8_t kind;
} KIND_NAMES[] = {
    {"class_definition", K_CLASS},     {"function_definition", K_FUNCTION},
    {"decorated_definition", K_DECORATED}, {"decorator", K_DECORATOR},
    {"call", K_CALL},                  {"identifier", K_IDENTIFIER},
    {"attribute", K_ATTRIBUTE},        {"import_statement", K_IMPORT},
    {"import_from_statement", K_IMPORT_FROM}, {"type", K_TYPE},
    {"assignment", K_ASSIGNMENT},      {"string", K_STRING},
    {"expression_statement", K_EXPR_STMT}, {"dotted_name", K_DOTTED_NAME},
    {"aliased_import", K_ALIASED_IMPORT}, {"wildcard_import", K_WILDCARD_IMPORT},
};

/* Set once by `configure`; a process extracts with one grammar. */
static const TSLanguage *lang;
static TSParser *parser;
static uint8_t *kinds;
static uint32_t n_kinds;
static TSFieldId F_NAME, F_BODY, F_SUPER, F_FUNCTION, F_LEFT, F_RIGHT, F_MODULE_NAME, F_ALIAS;
/* Python helpers (python.py): the non-ASCII and rare cases. */
static PyObject *h_docstring, *h_one_line, *h_normalize, *h_decorator, *h_no_space;
static PyObject *s_module, *s_class, *s_function, *s_call, *s_import, *s_inherit, *s_reference,
    *s_assign, *s_empty, *s_star, *s_qmark, *s_newline;

#define MAX_DOC 4000

/* ---------------------------------------------------------------- small vectors */

typedef struct {
    void *items;
    size_t len, cap, size;
} Vec;

static int vec_push(Vec *v, const void *item) {
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        void *items = PyMem_Realloc(v->items, cap * v->size);
        if (!items) {
            PyErr_NoMemory();
            return -1;
        }
        v->items = items;
        v->cap = cap;
    }
    memcpy((char *)v->items + v->len * v->size, item, v->size);
    v->len++;
    return 0;
}

#define VEC(type) {NULL, 0, 0, sizeof(type)}
#define AT(v, type, i) (((type *)(v).items)[i])

typedef struct {
    char *p;
    size_t len, cap;
} Buf;

static int buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    char *p = PyMem_Realloc(b->p, cap);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_add(Buf *b, const char *s, size_t n) {
    if (buf_reserve(b, n) < 0) return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

/* ---------------------------------------------------------------- character classes */

static inline int is_ascii(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] & 0x80) return 0;
    return 1;
}

/* str.isspace() / regex \s restricted to ASCII. */
static inline int is_space(unsigned char c) { return (c >= 9 && c <= 13) || (c >= 28 && c <= 32); }
static inline int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static inline int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_start(unsigned char c) { return is_upper(c) || is_lower(c) || c == '_'; }
static inline int is_ident(unsigned char c) { return is_start(c) || is_digit(c); }

/* _DOTTED.fullmatch on ASCII text. */
static int dotted(const char *s, size_t n) {
    size_t i = 0;
    if (n == 0) return 0;
    for (;;) {
        if (i >= n || !is_start((unsigned char)s[i])) return 0;
        i++;
        while (i < n && is_ident((unsigned char)s[i])) i++;
        if (i == n) return 1;
        if (s[i] != '.') return 0;
        i++;
    }
}

static PyObject *decode(const char *s, size_t n) { return PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, "replace"); }

static PyObject *ascii_str(const char *s, size_t n) {
    PyObject *u = PyUnicode_New((Py_ssize_t)n, 127);
    if (u) memcpy(PyUnicode_DATA(u), s, n);
    return u;
}

/* ---------------------------------------------------------------- python.py string helpers */

/* _normalize_target: (target, last) as new references; returns -1 on error. */
static int normalize(const char *s, size_t n, PyObject **target, PyObject **last) {
    if (!is_ascii(s, n)) {
        PyObject *text = decode(s, n);
        if (!text) return -1;
        PyObject *res = PyObject_CallOneArg(h_normalize, text);
        Py_DECREF(text);
        if (!res) return -1;
        if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2) {
            Py_DECREF(res);
            PyErr_SetString(PyExc_TypeError, "normalize helper must return a pair");
            return -1;
        }
        *target = Py_NewRef(PyTuple_GET_ITEM(res, 0));
        *last = Py_NewRef(PyTuple_GET_ITEM(res, 1));
        Py_DECREF(res);
        return 0;
    }
    char small[256];
    char *t = n <= sizeof small ? small : PyMem_Malloc(n ? n : 1);
    if (!t) {
        PyErr_NoMemory();
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_space((unsigned char)s[i])) t[m++] = s[i];
    const char *tail;
    size_t tail_n;
    int rc = 0;
    if (dotted(t, m)) {
        *target = ascii_str(t, m);
        tail = t + m;
        while (tail > t && tail[-1] != '.') tail--;
        *last = ascii_str(tail, (size_t)(t + m - tail));
    } else if (m > 8 && memcmp(t, "super().", 8) == 0 && dotted(t + 8, m - 8)) {
        /* "super." + rest: overwrite "super()." in place with ".super." shifted by two. */
        memcpy(t + 2, "super.", 6);
        *target = ascii_str(t + 2, m - 2);
        tail = t + m;
        while (tail[-1] != '.') tail--;
        *last = ascii_str(tail, (size_t)(t + m - tail));
    } else {
        tail = t + m;
        while (tail > t && tail[-1] != '.') tail--;
        tail_n = (size_t)(t + m - tail);
        *target = Py_NewRef(s_empty);
        *last = dotted(tail, tail_n) ? ascii_str(tail, tail_n) : Py_NewRef(s_empty);
    }
    if (!*target || !*last) {
        Py_XDECREF(*target);
        Py_XDECREF(*last);
        rc = -1;
    }
    if (t != small) PyMem_Free(t);
    return rc;
}

/* _one_line for ASCII headers; the helper otherwise. */
static PyObject *one_line(const char *s, size_t n) {
    if (!is_ascii(s, n)) {
        PyObject *text = decode(s, n);
        if (!text) return NULL;
        PyObject *res = PyObject_CallOneArg(h_one_line, text);
        Py_DECREF(text);
        return res;
    }
    Buf a = {0}, b = {0};
    PyObject *res = NULL;
    if (buf_reserve(&a, n + 1) < 0 || buf_reserve(&b, n + 1) < 0) goto done;
    /* Comments out, whitespace runs to one space. */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '#') {
            while (i < n && s[i] != '\n') i++;
        } else if (is_space(c)) {
            size_t j = i;
            while (j < n && is_space((unsigned char)s[j])) j++;
            /* A comment between two whitespace runs: `_COMMENT.sub` ran first, so they merge. */
            while (j < n && s[j] == '#') {
                while (j < n && s[j] != '\n') j++;
                while (j < n && is_space((unsigned char)s[j])) j++;
            }
            a.p[a.len++] = ' ';
            i = j;
        } else {
            a.p[a.len++] = (char)c;
            i++;
        }
    }
    /* strip() */
    size_t lo = 0, hi = a.len;
    while (lo < hi && is_space((unsigned char)a.p[lo])) lo++;
    while (hi > lo && is_space((unsigned char)a.p[hi - 1])) hi--;
    /* .replace("( ", "(").replace(" )", ")").replace(", )", ")").replace(",)", ")"), one pass each. */
    static const char *pats[4][2] = {{"( ", "("}, {" )", ")"}, {", )", ")"}, {",)", ")"}};
    const char *src = a.p + lo;
    size_t len = hi - lo;
    Buf *out = &b, *in = &a;
    for (int k = 0; k < 4; k++) {
        size_t pn = strlen(pats[k][0]), rn = strlen(pats[k][1]);
        out->len = 0;
        for (size_t i = 0; i < len;) {
            if (i + pn <= len && memcmp(src + i, pats[k][0], pn) == 0) {
                memcpy(out->p + out->len, pats[k][1], rn);
                out->len += rn;
                i += pn;
            } else {
                out->p[out->len++] = src[i++];
            }
        }
        src = out->p;
        len = out->len;
        Buf *tmp = in;
        in = out;
        out = tmp;
    }
    /* .rstrip(":").rstrip() */
    while (len && src[len - 1] == ':') len--;
    while (len && is_space((unsigned char)src[len - 1])) len--;
    res = ascii_str(src, len);
done:
    PyMem_Free(a.p);
    PyMem_Free(b.p);
    return res;
}

/* _SPACE.sub("", text) */
static PyObject *no_space(const char *s, size_t n) {
    if (!is_ascii(s, n)) {
        PyObject *text = decode(s, n);
        if (!text) return NULL;
        PyObject *res = PyObject_CallOneArg(h_no_space, text);
        Py_DECREF(text);
        return res;
    }
    PyObject *u = PyUnicode_New((Py_ssize_t)n, 127);
    if (!u) return NULL;
    char *d = PyUnicode_DATA(u);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_space((unsigned char)s[i])) d[m++] = s[i];
    if (m == n) return u;
    PyObject *r = ascii_str(d, m);
    Py_DECREF(u);
    return r;
}

/* terms.py `_expand` on one ASCII word, appended to `out`. */
static int expand(Buf *out, const char *w, size_t n) {
    int lower = 0, upper = 0;
    for (size_t i = 0; i < n; i++) {
        lower |= is_lower((unsigned char)w[i]);
        upper |= is_upper((unsigned char)w[i]);
    }
    if (buf_add(out, w, n) < 0) return -1;
    if ((lower && !upper) || (upper && !lower)) return 0; /* islower() or isupper() */
    /* _CAMEL.findall(text.replace("_", " ")): [A-Z]+(?=[A-Z][a-z]) | [A-Z]?[a-z]+ | [A-Z]+ | [0-9]+.
     * Two passes: count the parts, then (when there are two or more) append them. */
    for (int emit = 0; emit < 2; emit++) {
        size_t count = 0;
        for (size_t i = 0; i < n;) {
            unsigned char c = (unsigned char)w[i];
            size_t j = i;
            if (is_upper(c)) {
                while (j < n && is_upper((unsigned char)w[j])) j++;
                size_t run = j - i;
                if (run >= 2 && j < n && is_lower((unsigned char)w[j])) {
                    j = i + run - 1; /* the last capital starts the next word */
                } else if (run == 1 && j < n && is_lower((unsigned char)w[j])) {
                    while (j < n && is_lower((unsigned char)w[j])) j++;
                }
            } else if (is_lower(c)) {
                while (j < n && is_lower((unsigned char)w[j])) j++;
            } else if (is_digit(c)) {
                while (j < n && is_digit((unsigned char)w[j])) j++;
            } else {
                i++;
                continue;
            }
            count++;
            if (emit && (buf_add(out, " ", 1) < 0 || buf_add(out, w + i, j - i) < 0)) return -1;
            i = j;
        }
        if (count < 2) return 0;
    }
    return 0;
}

/* ---------------------------------------------------------------- span hash tables */

typedef struct {
    int32_t src;
    uint32_t off, len;
    int32_t row;
} Entry;

typedef struct {
    Vec entries; /* Entry, insertion order */
    uint32_t *slots;
    size_t mask;
} Table;

static inline uint64_t span_hash(int32_t src, const char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uint32_t)src;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static int table_init(Table *t, size_t hint) {
    size_t size = 64;
    while (size < hint * 2) size *= 2;
    t->entries = (Vec)VEC(Entry);
    t->slots = PyMem_Calloc(size, sizeof(uint32_t));
    t->mask = size - 1;
    if (!t->slots) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void table_free(Table *t) {
    PyMem_Free(t->entries.items);
    PyMem_Free(t->slots);
}

static int table_grow(Table *t, const char *data) {
    size_t size = (t->mask + 1) * 2;
    uint32_t *slots = PyMem_Calloc(size, sizeof(uint32_t));
    if (!slots) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t k = 0; k < t->entries.len; k++) {
        Entry *e = &AT(t->entries, Entry, k);
        size_t i = span_hash(e->src, data + e->off, e->len) & (size - 1);
        while (slots[i]) i = (i + 1) & (size - 1);
        slots[i] = (uint32_t)(k + 1);
    }
    PyMem_Free(t->slots);
    t->slots = slots;
    t->mask = size - 1;
    return 0;
}

/* dict.setdefault((src, data[off:off+len]), row) */
static int table_remember(Table *t, const char *data, int32_t src, uint32_t off, uint32_t len, int32_t row) {
    size_t i = span_hash(src, data + off, len) & t->mask;
    while (t->slots[i]) {
        Entry *e = &AT(t->entries, Entry, t->slots[i] - 1);
        if (e->src == src && e->len == len && memcmp(data + e->off, data + off, len) == 0) return 0;
        i = (i + 1) & t->mask;
    }
    Entry e = {src, off, len, row};
    if (vec_push(&t->entries, &e) < 0) return -1;
    t->slots[i] = (uint32_t)t->entries.len;
    if (t->entries.len * 2 > t->mask + 1) return table_grow(t, data);
    return 0;
}

/* identifier_terms: each distinct identifier of 3+ characters once, expanded, in order. */
static int identifier_terms(Buf *out, const char *s, size_t n) {
    Table seen;
    if (table_init(&seen, 64) < 0) return -1;
    int first = 1, rc = 0;
    for (size_t i = 0; i < n;) {
        if (!is_start((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n && is_ident((unsigned char)s[j])) j++;
        if (j - i >= 3) {
            size_t before = seen.entries.len;
            if (table_remember(&seen, s, 0, (uint32_t)i, (uint32_t)(j - i), 0) < 0) {
                rc = -1;
                break;
            }
            if (seen.entries.len > before) {
                if ((!first && buf_add(out, " ", 1) < 0) || expand(out, s + i, j - i) < 0) {
                    rc = -1;
                    break;
                }
                first = 0;
            }
        }
        i = j;
    }
    table_free(&seen);
    return rc;
}

/* name_terms(name) [+ " " + identifier_terms(body)] */
static PyObject *symbol_terms(PyObject *name, const char *body, size_t body_n, int with_body) {
    Buf out = {0};
    PyObject *res = NULL;
    if (PyUnicode_IS_ASCII(name)) {
        if (expand(&out, PyUnicode_DATA(name), (size_t)PyUnicode_GET_LENGTH(name)) < 0) goto done;
    } else if (!with_body) {
        return Py_NewRef(name);
    } else {
        Py_ssize_t n;
        const char *u = PyUnicode_AsUTF8AndSize(name, &n);
        if (!u || buf_add(&out, u, (size_t)n) < 0) goto done;
    }
    if (with_body) {
        if (buf_add(&out, " ", 1) < 0 || identifier_terms(&out, body, body_n) < 0) goto done;
    }
    res = PyUnicode_DecodeUTF8(out.p ? out.p : "", (Py_ssize_t)out.len, "strict");
done:
    PyMem_Free(out.p);
    return res;
}

/* ---------------------------------------------------------------- docstrings, hashes */

/* inspect.cleandoc(value)[:MAX_DOC] for ASCII text. */
static PyObject *cleandoc(const char *s, size_t n) {
    Buf e = {0};
    Vec lines = VEC(size_t); /* start, end pairs into e */
    PyObject *res = NULL;
    size_t col = 0;
    for (size_t i = 0; i < n; i++) { /* expandtabs(8): columns restart after \n and \r */
        char c = s[i];
        if (c == '\t') {
            size_t pad = 8 - col % 8;
            if (buf_reserve(&e, pad) < 0) goto done;
            memset(e.p + e.len, ' ', pad);
            e.len += pad;
            col += pad;
        } else {
            if (buf_add(&e, &c, 1) < 0) goto done;
            col = (c == '\n' || c == '\r') ? 0 : col + 1;
        }
    }
    for (size_t lo = 0;;) { /* split("\n") */
        size_t hi = lo;
        while (hi < e.len && e.p[hi] != '\n') hi++;
        if (vec_push(&lines, &lo) < 0 || vec_push(&lines, &hi) < 0) goto done;
        if (hi == e.len) break;
        lo = hi + 1;
    }
    size_t count = lines.len / 2, margin = SIZE_MAX;
    size_t *at = lines.items;
    for (size_t k = 1; k < count; k++) {
        size_t lo = at[2 * k], hi = at[2 * k + 1], j = lo;
        while (j < hi && is_space((unsigned char)e.p[j])) j++;
        if (j < hi && j - lo < margin) margin = j - lo;
    }
    while (at[0] < at[1] && is_space((unsigned char)e.p[at[0]])) at[0]++;
    if (margin != SIZE_MAX)
        for (size_t k = 1; k < count; k++)
            at[2 * k] = at[2 * k + 1] - at[2 * k] > margin ? at[2 * k] + margin : at[2 * k + 1];
    size_t first = 0, last = count;
    while (last > 0 && at[2 * (last - 1)] == at[2 * (last - 1) + 1]) last--;
    while (first < last && at[2 * first] == at[2 * first + 1]) first++;
    Buf out = {0};
    for (size_t k = first; k < last && out.len < MAX_DOC; k++) {
        if ((k > first && buf_add(&out, "\n", 1) < 0) ||
            buf_add(&out, e.p + at[2 * k], at[2 * k + 1] - at[2 * k]) < 0) {
            PyMem_Free(out.p);
            goto done;
        }
    }
    res = ascii_str(out.p ? out.p : "", out.len < MAX_DOC ? out.len : MAX_DOC);
    PyMem_Free(out.p);
done:
    PyMem_Free(e.p);
    PyMem_Free(lines.items);
    return res;
}

/* python.py `_docstring_text(raw)`: ASCII literals without escapes here, the rest in Python. */
static PyObject *docstring_text(const char *s, size_t n) {
    if (is_ascii(s, n)) {
        int has_b = 0, has_r = 0, has_f = 0;
        size_t p = 0;
        for (; p < n && s[p] && strchr("rRbBuUfF", s[p]); p++) {
            char c = (char)(s[p] | 0x20);
            has_b |= c == 'b';
            has_r |= c == 'r';
            has_f |= c == 'f';
        }
        const char *body = s + p;
        size_t bn = n - p;
        size_t q = bn >= 3 && (memcmp(body, "\"\"\"", 3) == 0 || memcmp(body, "'''", 3) == 0) ? 3 : (bn ? 1 : 0);
        if (has_b || bn < 2 * q || memcmp(body + bn - q, body, q) != 0) return Py_NewRef(s_empty);
        const char *value = body + q;
        size_t vn = bn - 2 * q;
        if (!memchr(value, '\\', vn) || has_r || has_f) {
            if (memchr(value, '\n', vn)) return cleandoc(value, vn);
            while (vn && is_space((unsigned char)value[0])) value++, vn--;
            while (vn && is_space((unsigned char)value[vn - 1])) vn--;
            return ascii_str(value, vn < MAX_DOC ? vn : MAX_DOC);
        }
    }
    PyObject *raw = decode(s, n);
    if (!raw) return NULL;
    PyObject *res = PyObject_CallOneArg(h_docstring, raw);
    Py_DECREF(raw);
    return res;
}

/* BLAKE2b (RFC 7693), unkeyed, 8-byte digest: python.py `content_hash`, in hex. */
static const uint64_t B2_IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};
static const uint8_t B2_SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static inline uint64_t rotr64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

static void b2_compress(uint64_t h[8], const uint8_t block[128], uint64_t t, int last) {
    uint64_t v[16], m[16];
    for (int i = 0; i < 16; i++) {
        uint64_t w = 0;
        for (int j = 7; j >= 0; j--) w = (w << 8) | block[8 * i + j];
        m[i] = w;
    }
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = B2_IV[i];
    }
    v[12] ^= t;
    if (last) v[14] = ~v[14];
#define B2_G(a, b, c, d, x, y)          \
    do {                                \
        v[a] = v[a] + v[b] + (x);       \
        v[d] = rotr64(v[d] ^ v[a], 32); \
        v[c] = v[c] + v[d];             \
        v[b] = rotr64(v[b] ^ v[c], 24); \
        v[a] = v[a] + v[b] + (y);       \
        v[d] = rotr64(v[d] ^ v[a], 16); \
        v[c] = v[c] + v[d];             \
        v[b] = rotr64(v[b] ^ v[c], 63); \
    } while (0)
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = B2_SIGMA[r];
        B2_G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        B2_G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        B2_G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        B2_G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        B2_G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        B2_G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        B2_G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        B2_G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
#undef B2_G
    for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

static PyObject *content_hash(const char *data, uint32_t lo, uint32_t hi) {
    const uint8_t *p = (const uint8_t *)data + lo;
    size_t n = hi > lo ? hi - lo : 0;
    uint64_t h[8], t = 0;
    uint8_t block[128];
    memcpy(h, B2_IV, sizeof h);
    h[0] ^= 0x01010000ULL ^ 8; /* depth 1, fanout 1, no key, 8-byte digest */
    while (n > 128) {
        t += 128;
        b2_compress(h, p, t, 0);
        p += 128;
        n -= 128;
    }
    memset(block, 0, sizeof block);
    memcpy(block, p, n);
    b2_compress(h, block, t + n, 1);
    static const char digits[] = "0123456789abcdef";
    char hex[16];
    for (int i = 0; i < 8; i++) {
        uint8_t byte = (uint8_t)(h[0] >> (8 * i));
        hex[2 * i] = digits[byte >> 4];
        hex[2 * i + 1] = digits[byte & 15];
    }
    return ascii_str(hex, 16);
}

/* ---------------------------------------------------------------- extraction */

static inline uint8_t kind_of(TSNode n) {
    TSSymbol s = ts_node_symbol(n);
    return s < n_kinds ? kinds[s] : K_OTHER;
}

static inline const char *text_of(const char *data, TSNode n, size_t *len) {
    uint32_t lo = ts_node_start_byte(n), hi = ts_node_end_byte(n);
    *len = hi > lo ? hi - lo : 0;
    return data + lo;
}

static PyObject *node_str(const char *data, TSNode n) {
    size_t len;
    const char *p = text_of(data, n, &len);
    return decode(p, len);
}

/* _docstring(block) */
static PyObject *docstring(const char *data, TSNode block) {
    if (ts_node_is_null(block) || ts_node_named_child_count(block) == 0) return Py_NewRef(s_empty);
    TSNode first = ts_node_named_child(block, 0);
    if (kind_of(first) != K_EXPR_STMT || ts_node_named_child_count(first) != 1) return Py_NewRef(s_empty);
    TSNode node = ts_node_named_child(first, 0);
    if (kind_of(node) != K_STRING) return Py_NewRef(s_empty);
    size_t len;
    const char *p = text_of(data, node, &len);
    return docstring_text(p, len);
}

typedef struct {
    PyObject *refs; /* dict: (src, kind, target, name, alias) -> first line */
} Refs;

/* add_ref(key, line); steals nothing. */
static int add_ref(Refs *r, long src, PyObject *kind, PyObject *target, PyObject *name, PyObject *alias, long line) {
    PyObject *s = PyLong_FromLong(src);
    if (!s) return -1;
    PyObject *key = PyTuple_Pack(5, s, kind, target, name, alias);
    Py_DECREF(s);
    if (!key) return -1;
    PyObject *l = PyLong_FromLong(line);
    if (!l) {
        Py_DECREF(key);
        return -1;
    }
    PyObject *got = PyDict_SetDefault(r->refs, key, l);
    Py_DECREF(key);
    Py_DECREF(l);
    return got ? 0 : -1;
}

static int named_children(TSNode n, Vec *out) {
    out->len = 0;
    if (ts_node_is_null(n)) return 0;
    uint32_t count = ts_node_child_count(n);
    if (count == 0) return 0;
    TSTreeCursor c = ts_tree_cursor_new(n);
    int rc = 0;
    if (ts_tree_cursor_goto_first_child(&c)) {
        do {
            TSNode child = ts_tree_cursor_current_node(&c);
            if (ts_node_is_named(child) && vec_push(out, &child) < 0) {
                rc = -1;
                break;
            }
        } while (ts_tree_cursor_goto_next_sibling(&c));
    }
    ts_tree_cursor_delete(&c);
    return rc;
}

static inline int is_name_kind(uint8_t k) { return k == K_IDENTIFIER || k == K_ATTRIBUTE; }

static const char *BUILTIN_TYPES[] = {
    "int", "float", "str", "bytes", "bool", "None", "list", "dict", "set", "tuple", "object", "type",
    "complex", "frozenset", "Any", "Optional", "Union", "List", "Dict", "Set", "Tuple", "Callable",
    "Iterable", "Iterator", "Sequence", "Mapping", "typing", NULL,
};

static int is_builtin(PyObject *s) {
    for (int i = 0; BUILTIN_TYPES[i]; i++)
        if (PyUnicode_CompareWithASCIIString(s, BUILTIN_TYPES[i]) == 0) return 1;
    return 0;
}

/* Pre-order walk over the visible nodes, as a TreeCursor visits them, with the runtime's own child
 * iterator: hidden nodes are passed through, and leaves are never entered (no node the extractor
 * collects is a leaf), which makes the walk several times cheaper than a cursor's. */
static int walk(TSNode root, Vec *defs, Vec *calls, Vec *imports, Vec *annotations, Vec *assigns) {
    Vec stack = VEC(NodeChildIterator);
    NodeChildIterator top = ts_node_iterate_children(&root);
    int rc = 0;
    if (vec_push(&stack, &top) < 0) return -1;
    while (stack.len) {
        TSNode n;
        if (!ts_node_child_iterator_next(&AT(stack, NodeChildIterator, stack.len - 1), &n)) {
            stack.len--;
            continue;
        }
        if (ts_subtree_child_count(ts_node__subtree(n)) == 0) continue;
        if (ts_node__is_relevant(n, true)) {
            uint8_t k = kind_of(n);
            Vec *into = NULL;
            TSNode item = n;
            if (k == K_CLASS || k == K_FUNCTION) {
                into = defs;
            } else if (k == K_CALL) {
                TSNode fn = ts_node_child_by_field_id(n, F_FUNCTION);
                if (!ts_node_is_null(fn) && is_name_kind(kind_of(fn))) {
                    into = calls;
                    item = fn;
                }
            } else if (k == K_IMPORT || k == K_IMPORT_FROM) {
                into = imports;
            } else if (k == K_TYPE) {
                into = annotations;
            } else if (k == K_ASSIGNMENT) {
                TSNode left = ts_node_child_by_field_id(n, F_LEFT);
                TSNode right = ts_node_child_by_field_id(n, F_RIGHT);
                if (!ts_node_is_null(left) && is_name_kind(kind_of(left)) && !ts_node_is_null(right) &&
                    kind_of(right) == K_CALL) {
                    TSNode fn = ts_node_child_by_field_id(right, F_FUNCTION);
                    if (!ts_node_is_null(fn) && is_name_kind(kind_of(fn))) into = assigns;
                }
            }
            if (into && vec_push(into, &item) < 0) {
                rc = -1;
                break;
            }
        }
        top = ts_node_iterate_children(&n);
        if (vec_push(&stack, &top) < 0) {
            rc = -1;
            break;
        }
    }
    PyMem_Free(stack.items);
    return rc;
}

static PyObject *extract_rows(PyObject *Py_UNUSED(module), PyObject *arg) {
    if (!parser) {
        PyErr_SetString(PyExc_RuntimeError, "configure() first");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const char *data = view.buf;
    size_t size = (size_t)view.len;
    if (size >= UINT32_MAX) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "file too large");
        return NULL;
    }

    PyObject *result = NULL, *symbols = NULL, *quals = NULL, *seen = NULL, *module_doc = NULL;
    Refs refs = {NULL};
    TSTree *tree = NULL;
    Vec defs = VEC(TSNode), calls = VEC(TSNode), annotations = VEC(TSNode), assigns = VEC(TSNode),
        imports = VEC(TSNode), classinfo = VEC(TSNode), kids = VEC(TSNode);
    Vec starts = VEC(uint32_t), ends = VEC(uint32_t), parents = VEC(int32_t), stack = VEC(int32_t),
        lines = VEC(int32_t); /* lines: first, last per symbol */
    Table rows = {0};
    int32_t *owner = NULL;
    int rows_ready = 0;

    tree = ts_parser_parse_string_encoding(parser, NULL, data, (uint32_t)size, TSInputEncodingUTF8);
    if (!tree) {
        PyErr_SetString(PyExc_RuntimeError, "tree-sitter parse failed");
        goto fail;
    }
    TSNode root = ts_tree_root_node(tree);
    long n_lines = 0;
    for (size_t i = 0; i < size; i++) n_lines += data[i] == '\n';
    if (size && data[size - 1] != '\n') n_lines++;
    long max_lines = n_lines > 1 ? n_lines : 1;

    /* One pre-order walk collects what the Query captured, in document order. */
    if (walk(root, &defs, &calls, &imports, &annotations, &assigns) < 0) goto fail;

    module_doc = docstring(data, root);
    if (!module_doc) goto fail;
    symbols = PyList_New(0);
    quals = PyList_New(0);
    seen = PyDict_New();
    refs.refs = PyDict_New();
    if (!symbols || !quals || !seen || !refs.refs) goto fail;
    {
        PyObject *row = Py_BuildValue("(OOOiilOOOO)", s_module, s_empty, s_empty, -1, 1, max_lines, s_empty,
                                      module_doc, s_empty, module_doc);
        if (!row || PyList_Append(symbols, row) < 0) {
            Py_XDECREF(row);
            goto fail;
        }
        Py_DECREF(row);
        if (PyList_Append(quals, s_empty) < 0) goto fail;
        int32_t first = 1, last = (int32_t)max_lines, zero = 0, minus = -1;
        uint32_t end0 = (uint32_t)size + 1;
        if (vec_push(&lines, &first) < 0 || vec_push(&lines, &last) < 0 || vec_push(&ends, &end0) < 0 ||
            vec_push(&parents, &minus) < 0 || vec_push(&stack, &zero) < 0)
            goto fail;
    }

    /* Definitions, nested by byte range: a stack sweep in document order. */
    for (size_t d = 0; d < defs.len; d++) {
        TSNode node = AT(defs, TSNode, d);
        TSNode outer = ts_node_parent(node);
        int decorated = !ts_node_is_null(outer) && kind_of(outer) == K_DECORATED;
        TSNode span = decorated ? outer : node;
        uint32_t start = ts_node_start_byte(span);
        while (stack.len > 1 && AT(ends, uint32_t, AT(stack, int32_t, stack.len - 1)) <= start) stack.len--;
        int32_t parent = AT(stack, int32_t, stack.len - 1);
        TSNode name_node = ts_node_child_by_field_id(node, F_NAME);
        TSNode body = ts_node_child_by_field_id(node, F_BODY);
        int is_class = kind_of(node) == K_CLASS;
        int32_t index = (int32_t)PyList_GET_SIZE(symbols);
        uint32_t end_byte = ts_node_end_byte(node);
        uint32_t body_start = ts_node_is_null(body) ? end_byte : ts_node_start_byte(body);
        uint32_t node_start = ts_node_start_byte(node);
        PyObject *name = NULL, *qual = NULL, *head = NULL, *signature = NULL, *terms = NULL, *doc = NULL,
                 *hash = NULL, *row = NULL, *decorators = NULL;
        int ok = 0;

        name = ts_node_is_null(name_node) ? Py_NewRef(s_qmark) : node_str(data, name_node);
        if (!name) goto def_done;
        qual = parent == 0 ? Py_NewRef(name)
                           : PyUnicode_FromFormat("%U.%U", PyList_GET_ITEM(quals, parent), name);
        if (!qual) goto def_done;
        {
            PyObject *count = PyDict_GetItemWithError(seen, qual);
            if (count) {
                long k = PyLong_AsLong(count) + 1;
                PyObject *kk = PyLong_FromLong(k);
                if (!kk || PyDict_SetItem(seen, qual, kk) < 0) {
                    Py_XDECREF(kk);
                    goto def_done;
                }
                Py_DECREF(kk);
                PyObject *renamed = PyUnicode_FromFormat("%U#%ld", qual, k);
                if (!renamed) goto def_done;
                Py_SETREF(qual, renamed);
            } else {
                if (PyErr_Occurred()) goto def_done;
                PyObject *one = PyLong_FromLong(1);
                int bad = !one || PyDict_SetItem(seen, qual, one) < 0;
                Py_XDECREF(one);
                if (bad) goto def_done;
            }
        }
        head = one_line(data + node_start, body_start > node_start ? body_start - node_start : 0);
        if (!head) goto def_done;
        if (decorated) {
            decorators = PyList_New(0);
            if (!decorators || named_children(outer, &kids) < 0) goto def_done;
            for (size_t i = 0; i < kids.len; i++) {
                TSNode child = AT(kids, TSNode, i);
                if (kind_of(child) != K_DECORATOR) continue;
                PyObject *text = node_str(data, child);
                if (!text) goto def_done;
                PyObject *parts = PyObject_CallOneArg(h_decorator, text);
                Py_DECREF(text);
                if (!parts) goto def_done;
                if (!PyTuple_Check(parts) || PyTuple_GET_SIZE(parts) != 3) {
                    Py_DECREF(parts);
                    PyErr_SetString(PyExc_TypeError, "decorator helper must return a triple");
                    goto def_done;
                }
                PyObject *last = PyTuple_GET_ITEM(parts, 2);
                int bad = PyList_Append(decorators, PyTuple_GET_ITEM(parts, 0)) < 0;
                if (!bad && PyUnicode_GET_LENGTH(last) > 0)
                    bad = add_ref(&refs, index, s_reference, PyTuple_GET_ITEM(parts, 1), last, s_empty,
                                  (long)ts_node_start_point(child).row + 1) < 0;
                Py_DECREF(parts);
                if (bad) goto def_done;
            }
            if (PyList_GET_SIZE(decorators) > 0) {
                if (PyList_Append(decorators, head) < 0) goto def_done;
                signature = PyUnicode_Join(s_newline, decorators);
                if (!signature) goto def_done;
            }
        }
        if (!signature) signature = Py_NewRef(head);
        long first_line = (long)ts_node_start_point(span).row + 1;
        long last_line = (long)ts_node_end_point(node).row + 1;
        if (is_class) {
            terms = symbol_terms(name, NULL, 0, 0);
            if (!terms) goto def_done;
            TSNode bases = ts_node_child_by_field_id(node, F_SUPER);
            if (!ts_node_is_null(bases)) {
                if (named_children(bases, &kids) < 0) goto def_done;
                for (size_t i = 0; i < kids.len; i++) {
                    TSNode arg = AT(kids, TSNode, i);
                    if (!is_name_kind(kind_of(arg))) continue;
                    size_t len;
                    const char *p = text_of(data, arg, &len);
                    PyObject *target, *last;
                    if (normalize(p, len, &target, &last) < 0) goto def_done;
                    int bad = PyUnicode_GET_LENGTH(last) > 0 &&
                              add_ref(&refs, index, s_inherit, target, last, s_empty,
                                      (long)ts_node_start_point(arg).row + 1) < 0;
                    Py_DECREF(target);
                    Py_DECREF(last);
                    if (bad) goto def_done;
                }
            }
        } else {
            terms = symbol_terms(name, data + body_start, end_byte > body_start ? end_byte - body_start : 0, 1);
            if (!terms) goto def_done;
        }
        doc = docstring(data, body);
        if (!doc) goto def_done;
        hash = content_hash(data, start, end_byte);
        if (!hash) goto def_done;
        row = Py_BuildValue("(OOOillOOOO)", is_class ? s_class : s_function, name, qual, (int)parent, first_line,
                            last_line, signature, doc, hash, terms);
        if (!row || PyList_Append(symbols, row) < 0 || PyList_Append(quals, qual) < 0) goto def_done;
        {
            int32_t fl = (int32_t)first_line, ll = (int32_t)last_line;
            if (vec_push(&lines, &fl) < 0 || vec_push(&lines, &ll) < 0 || vec_push(&starts, &start) < 0 ||
                vec_push(&ends, &end_byte) < 0 || vec_push(&parents, &parent) < 0 || vec_push(&stack, &index) < 0)
                goto def_done;
        }
        ok = 1;
    def_done:
        Py_XDECREF(name);
        Py_XDECREF(qual);
        Py_XDECREF(head);
        Py_XDECREF(signature);
        Py_XDECREF(terms);
        Py_XDECREF(doc);
        Py_XDECREF(hash);
        Py_XDECREF(row);
        Py_XDECREF(decorators);
        if (!ok) goto fail;
    }

    /* Innermost definition of each row, by line: later definitions overwrite earlier ones. */
    owner = PyMem_Calloc((size_t)n_lines + 2, sizeof(int32_t));
    if (!owner) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t n_symbols = PyList_GET_SIZE(symbols);
    for (Py_ssize_t i = 1; i < n_symbols; i++) {
        int32_t lo = AT(lines, int32_t, 2 * i), hi = AT(lines, int32_t, 2 * i + 1);
        for (int32_t r = lo - 1; r < hi && r < n_lines + 2; r++) owner[r] = (int32_t)i;
    }

    /* Calls: the first row per (scope, callee text), then normalized. */
    if (table_init(&rows, calls.len + 16) < 0) goto fail;
    rows_ready = 1;
    for (size_t i = 0; i < calls.len; i++) {
        TSNode fn = AT(calls, TSNode, i);
        uint32_t row = ts_node_start_point(fn).row;
        uint32_t lo = ts_node_start_byte(fn), hi = ts_node_end_byte(fn);
        uint32_t len = hi > lo ? hi - lo : 0;
        if (table_remember(&rows, data, owner[row], lo, len, (int32_t)row) < 0) goto fail;
        if ((len == 10 && (memcmp(data + lo, "isinstance", 10) == 0 || memcmp(data + lo, "issubclass", 10) == 0))) {
            TSNode args = ts_node_next_named_sibling(fn);
            if (!ts_node_is_null(args) && ts_node_named_child_count(args) >= 2) {
                TSNode second = ts_node_named_child(args, 1);
                if (vec_push(&classinfo, &second) < 0) goto fail;
            }
        }
    }
    size_t marker = rows.entries.len;
    for (size_t i = 0; i < marker; i++) {
        Entry e = AT(rows.entries, Entry, i);
        if (e.src < 0) continue;
        PyObject *target, *last;
        if (normalize(data + e.off, e.len, &target, &last) < 0) goto fail;
        int bad = PyUnicode_GET_LENGTH(last) > 0 && PyUnicode_CompareWithASCIIString(target, "super") != 0 &&
                  add_ref(&refs, e.src, s_call, target, last, s_empty, (long)e.row + 1) < 0;
        Py_DECREF(target);
        Py_DECREF(last);
        if (bad) goto fail;
    }

    /* Names used without being called: annotations, then isinstance/issubclass class arguments. */
    for (int pass = 0; pass < 2; pass++) {
        Vec *nodes = pass == 0 ? &annotations : &classinfo;
        for (size_t i = 0; i < nodes->len; i++) {
            TSNode n = AT(*nodes, TSNode, i);
            uint32_t row = ts_node_start_point(n).row;
            int32_t src = -owner[row] - 1;
            uint32_t lo = ts_node_start_byte(n), hi = ts_node_end_byte(n);
            for (uint32_t p = lo; p < hi;) {
                if (!is_start((unsigned char)data[p])) {
                    p++;
                    continue;
                }
                uint32_t q = p + 1;
                for (;;) {
                    while (q < hi && is_ident((unsigned char)data[q])) q++;
                    if (q + 1 < hi && data[q] == '.' && is_start((unsigned char)data[q + 1]))
                        q += 2;
                    else
                        break;
                }
                if (table_remember(&rows, data, src, p, q - p, (int32_t)row) < 0) goto fail;
                p = q;
            }
        }
    }
    for (size_t i = marker; i < rows.entries.len; i++) {
        Entry e = AT(rows.entries, Entry, i);
        PyObject *target, *last;
        if (normalize(data + e.off, e.len, &target, &last) < 0) goto fail;
        int bad = PyUnicode_GET_LENGTH(last) > 0 && !is_builtin(last) && !is_builtin(target) &&
                  add_ref(&refs, -e.src - 1, s_reference, target, last, s_empty, (long)e.row + 1) < 0;
        Py_DECREF(target);
        Py_DECREF(last);
        if (bad) goto fail;
    }

    /* `x = Foo(...)` and `self.x = Foo(...)`. */
    for (size_t i = 0; i < assigns.len; i++) {
        TSNode node = AT(assigns, TSNode, i);
        TSNode left = ts_node_child_by_field_id(node, F_LEFT);
        size_t len;
        const char *lhs = text_of(data, left, &len);
        size_t dots = 0;
        for (size_t j = 0; j < len; j++) dots += lhs[j] == '.';
        int self_attr = (len >= 5 && memcmp(lhs, "self.", 5) == 0) || (len >= 4 && memcmp(lhs, "cls.", 4) == 0);
        if ((kind_of(left) == K_ATTRIBUTE && !self_attr) || dots > 1) continue;
        TSNode fn = ts_node_child_by_field_id(ts_node_child_by_field_id(node, F_RIGHT), F_FUNCTION);
        size_t fn_len;
        const char *fp = text_of(data, fn, &fn_len);
        PyObject *target, *last;
        if (normalize(fp, fn_len, &target, &last) < 0) goto fail;
        int bad = 0;
        if (PyUnicode_GET_LENGTH(last) > 0) {
            uint32_t row = ts_node_start_point(node).row;
            PyObject *name = decode(lhs, len);
            bad = !name || add_ref(&refs, owner[row], s_assign, target, name, s_empty, (long)row + 1) < 0;
            Py_XDECREF(name);
        }
        Py_DECREF(target);
        Py_DECREF(last);
        if (bad) goto fail;
    }

    /* Imports, in document order: the first import of a name binds it. */
    for (size_t i = 0; i < imports.len; i++) {
        TSNode node = AT(imports, TSNode, i);
        uint32_t pos = ts_node_start_byte(node);
        /* enclosing(pos): bisect_right(starts, pos), then up while the definition ended. */
        size_t lo = 0, hi = starts.len;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (pos < AT(starts, uint32_t, mid))
                hi = mid;
            else
                lo = mid + 1;
        }
        long src = (long)lo;
        while (src > 0 && AT(ends, uint32_t, src) <= pos) src = AT(parents, int32_t, src);
        if (src < 0) src = 0;
        long line = (long)ts_node_start_point(node).row + 1;
        if (named_children(node, &kids) < 0) goto fail;
        if (kind_of(node) == K_IMPORT) {
            for (size_t j = 0; j < kids.len; j++) {
                TSNode child = AT(kids, TSNode, j);
                uint8_t k = kind_of(child);
                int bad = 0;
                if (k == K_DOTTED_NAME) {
                    PyObject *mod = node_str(data, child);
                    bad = !mod || add_ref(&refs, src, s_import, mod, s_empty, s_empty, line) < 0;
                    Py_XDECREF(mod);
                } else if (k == K_ALIASED_IMPORT) {
                    TSNode mn = ts_node_child_by_field_id(child, F_NAME);
                    TSNode an = ts_node_child_by_field_id(child, F_ALIAS);
                    if (!ts_node_is_null(mn) && !ts_node_is_null(an)) {
                        PyObject *mod = node_str(data, mn), *alias = mod ? node_str(data, an) : NULL;
                        bad = !alias || add_ref(&refs, src, s_import, mod, s_empty, alias, line) < 0;
                        Py_XDECREF(mod);
                        Py_XDECREF(alias);
                    }
                }
                if (bad) goto fail;
            }
            continue;
        }
        TSNode module_node = ts_node_child_by_field_id(node, F_MODULE_NAME);
        if (ts_node_is_null(module_node)) continue;
        size_t spec_len;
        const char *sp = text_of(data, module_node, &spec_len);
        PyObject *spec = no_space(sp, spec_len);
        if (!spec) goto fail;
        int bad = 0;
        for (size_t j = 0; j < kids.len && !bad; j++) {
            TSNode child = AT(kids, TSNode, j);
            if (child.id == module_node.id) continue;
            uint8_t k = kind_of(child);
            if (k == K_DOTTED_NAME) {
                PyObject *name = node_str(data, child);
                bad = !name || add_ref(&refs, src, s_import, spec, name, s_empty, line) < 0;
                Py_XDECREF(name);
            } else if (k == K_ALIASED_IMPORT) {
                TSNode nn = ts_node_child_by_field_id(child, F_NAME);
                TSNode an = ts_node_child_by_field_id(child, F_ALIAS);
                if (!ts_node_is_null(nn) && !ts_node_is_null(an)) {
                    PyObject *name = node_str(data, nn), *alias = name ? node_str(data, an) : NULL;
                    bad = !alias || add_ref(&refs, src, s_import, spec, name, alias, line) < 0;
                    Py_XDECREF(name);
                    Py_XDECREF(alias);
                }
            } else if (k == K_WILDCARD_IMPORT) {
                bad = add_ref(&refs, src, s_import, spec, s_star, s_empty, line) < 0;
            }
        }
        Py_DECREF(spec);
        if (bad) goto fail;
    }

    {
        PyObject *out = PyList_New(PyDict_GET_SIZE(refs.refs));
        if (!out) goto fail;
        Py_ssize_t pos = 0, i = 0;
        PyObject *key, *value;
        while (PyDict_Next(refs.refs, &pos, &key, &value)) {
            PyObject *row = PyTuple_New(6);
            if (!row) {
                Py_DECREF(out);
                goto fail;
            }
            for (int j = 0; j < 5; j++) PyTuple_SET_ITEM(row, j, Py_NewRef(PyTuple_GET_ITEM(key, j)));
            PyTuple_SET_ITEM(row, 5, Py_NewRef(value));
            PyList_SET_ITEM(out, i++, row);
        }
        result = Py_BuildValue("(ilONN)", (int)ts_node_has_error(root), n_lines, s_empty, Py_NewRef(symbols), out);
    }

fail:
    Py_XDECREF(symbols);
    Py_XDECREF(quals);
    Py_XDECREF(seen);
    Py_XDECREF(module_doc);
    Py_XDECREF(refs.refs);
    if (tree) ts_tree_delete(tree);
    PyMem_Free(defs.items);
    PyMem_Free(calls.items);
    PyMem_Free(annotations.items);
    PyMem_Free(assigns.items);
    PyMem_Free(imports.items);
    PyMem_Free(classinfo.items);
    PyMem_Free(kids.items);
    PyMem_Free(starts.items);
    PyMem_Free(ends.items);
    PyMem_Free(parents.items);
    PyMem_Free(stack.items);
    PyMem_Free(lines.items);
    PyMem_Free(owner);
    if (rows_ready) table_free(&rows);
    PyBuffer_Release(&view);
    return result;
}

/* ---------------------------------------------------------------- module */

static TSFieldId field(const char *name) {
    return ts_language_field_id_for_name(lang, name, (uint32_t)strlen(name));
}

static PyObject *configure(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *capsule, *helpers;
    if (!PyArg_ParseTuple(args, "OO!", &capsule, &PyDict_Type, &helpers)) return NULL;
    if (parser) Py_RETURN_NONE; /* fork children inherit a configured module */
    const TSLanguage *language = PyCapsule_GetPointer(capsule, "tree_sitter.Language");
    if (!language) return NULL;
    uint32_t abi = ts_language_abi_version(language);
    if (abi < TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION || abi > TREE_SITTER_LANGUAGE_VERSION) {
        PyErr_Format(PyExc_RuntimeError, "grammar ABI %u outside the runtime's %d..%d", abi,
                     TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION, TREE_SITTER_LANGUAGE_VERSION);
        return NULL;
    }
    static const char *names[] = {"docstring", "one_line", "normalize", "decorator", "no_space"};
    PyObject **slots[] = {&h_docstring, &h_one_line, &h_normalize, &h_decorator, &h_no_space};
    for (int i = 0; i < 5; i++) {
        PyObject *fn = PyDict_GetItemString(helpers, names[i]);
        if (!fn || !PyCallable_Check(fn)) {
            PyErr_Format(PyExc_ValueError, "helper %s missing", names[i]);
            return NULL;
        }
        Py_XSETREF(*slots[i], Py_NewRef(fn));
    }
    const char *consts[] = {"module", "class", "function", "call", "import", "inherit", "reference", "assign", "", "*", "?", "\n"};
    PyObject **cslots[] = {&s_module, &s_class, &s_function, &s_call, &s_import, &s_inherit, &s_reference,
                           &s_assign, &s_empty, &s_star, &s_qmark, &s_newline};
    for (int i = 0; i < 12; i++) {
        PyObject *s = PyUnicode_InternFromString(consts[i]);
        if (!s) return NULL;
        Py_XSETREF(*cslots[i], s);
    }
    /* As the tree-sitter wheel does: Python's small-object allocator is faster than malloc for
     * the parser's many small subtrees. The GIL is held whenever the runtime runs here. */
    ts_set_allocator(PyMem_Malloc, PyMem_Calloc, PyMem_Realloc, PyMem_Free);
    lang = language;
    n_kinds = ts_language_symbol_count(lang);
    kinds = PyMem_Calloc(n_kinds ? n_kinds : 1, 1);
    if (!kinds) return PyErr_NoMemory();
    for (uint32_t s = 0; s < n_kinds; s++) {
        if (ts_language_symbol_type(lang, (TSSymbol)s) != TSSymbolTypeRegular) continue;
        const char *name = ts_language_symbol_name(lang, (TSSymbol)s);
        for (size_t k = 0; k < sizeof KIND_NAMES / sizeof KIND_NAMES[0]; k++)
            if (strcmp(name, KIND_NAMES[k].name) == 0) kinds[s] = KIND_NAMES[k].kind;
    }
    F_NAME = field("name");
    F_BODY = field("body");
    F_SUPER = field("superclasses");
    F_FUNCTION = field("function");
    F_LEFT = field("left");
    F_RIGHT = field("right");
    F_MODULE_NAME = field("module_name");
    F_ALIAS = field("alias");
    if (!F_NAME || !F_BODY || !F_SUPER || !F_FUNCTION || !F_LEFT || !F_RIGHT || !F_MODULE_NAME || !F_ALIAS) {
        PyErr_SetString(PyExc_RuntimeError, "grammar lacks a field the extractor needs");
        return NULL;
    }
    TSParser *p = ts_parser_new();
    if (!ts_parser_set_language(p, lang)) {
        ts_parser_delete(p);
        PyErr_SetString(PyExc_RuntimeError, "runtime refused the grammar");
        return NULL;
    }
    parser = p;
    Py_RETURN_NONE;
}

/* parse(data) -> number of nodes: the runtime alone, so benchmarks can tell parse from extraction. */
static PyObject *parse(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer view;
    int walk_nodes = 0;
    if (!parser) {
        PyErr_SetString(PyExc_RuntimeError, "configure() first");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y*|p", &view, &walk_nodes)) return NULL;
    TSTree *tree = ts_parser_parse_string_encoding(parser, NULL, view.buf, (uint32_t)view.len, TSInputEncodingUTF8);
    PyBuffer_Release(&view);
    if (!tree) {
        PyErr_SetString(PyExc_RuntimeError, "tree-sitter parse failed");
        return NULL;
    }
    unsigned long count = 0;
    if (walk_nodes) {
        Vec v[5] = {VEC(TSNode), VEC(TSNode), VEC(TSNode), VEC(TSNode), VEC(TSNode)};
        int rc = walk(ts_tree_root_node(tree), &v[0], &v[1], &v[2], &v[3], &v[4]);
        for (int i = 0; i < 5; i++) {
            count += v[i].len;
            PyMem_Free(v[i].items);
        }
        if (rc < 0) {
            ts_tree_delete(tree);
            return NULL;
        }
    }
    ts_tree_delete(tree);
    return PyLong_FromUnsignedLong(count);
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS, "parse(data: bytes, walk: bool = False) -> int (benchmarks only)"},
    {"configure", configure, METH_VARARGS, "configure(language_capsule, helpers: dict) -> None"},
    {"extract_rows", extract_rows, METH_O, "extract_rows(data: bytes) -> (errors, lines, package, symbols, refs)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_orch_pyextract", NULL, -1, methods};

PyMODINIT_FUNC PyInit__orch_pyextract(void) { return PyModule_Create(&module); }
