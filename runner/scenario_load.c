/* vmfault runner — the YAML scenario loader.
 *
 * Three stages, one direction:
 *   1. bytes  -> YAML tree   libyaml's event parser builds a small private tree
 *                            (struct ynode) in an arena, with hard limits on
 *                            input size, node count, nesting depth and anchors;
 *                            an alias becomes a pointer to its anchored node and
 *                            an alias to a node that is still open (a recursive
 *                            structure) is refused, so the tree is a DAG.
 *   2. tree   -> scenario    schema-driven: every mapping is checked against the
 *                            keys it may have, every value against its type and
 *                            range, each error reported at the offending node.
 *                            The schema has bounded depth and every list has a
 *                            cap, so shared (aliased) nodes cannot blow up the
 *                            walk; a visit budget guards that anyway.
 *   3. checks                what needs the whole scenario (required keys,
 *                            names in expectations).
 *
 * Includes are applied before the including file's own keys, so lists from
 * an include come first and scalars set by the includer win.
 *
 * The loader never prints and never exits; the first error is reported and
 * everything is freed.
 */
#define _POSIX_C_SOURCE 200809L

#include "runner/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <yaml.h>

#include "vmfault/x86.h"

/* ---- limits ----------------------------------------------------------------- */

#define LD_MAX_INPUT ((size_t)4 << 20) /* bytes per file */
#define LD_MAX_NODES 100000u           /* YAML nodes (incl. aliases) per file */
#define LD_MAX_DEPTH 64u               /* YAML nesting */
#define LD_MAX_ANCHORS 1024u           /* anchors per file */
#define LD_MAX_INCLUDE_DEPTH 4         /* main file is depth 0 */
#define LD_MAX_MAP_KEYS 128u           /* keys in one mapping, after merges */
#define LD_MAX_MERGE_DEPTH 8           /* '<<' inside '<<' ... */
#define LD_MAX_MERGE_SEQ 16u           /* mappings in one '<<' sequence */
#define LD_MAX_VISITS 1000000u         /* node visits while applying the schema */

/* ---- the YAML tree ------------------------------------------------------------ */

enum ykind { YK_SCALAR, YK_SEQ, YK_MAP };

struct ynode {
    uint8_t kind; /* enum ykind */
    bool plain;   /* scalar: plain style and not tagged as a string */
    bool done;    /* collection: its end event has been seen */
    uint8_t file; /* index into scenario.files */
    uint32_t line, col;
    const char *str; /* scalar: bytes, NUL-terminated (may contain NUL) */
    size_t len;
    struct ynode **kids; /* seq: items; map: key, value, key, value, ... */
    size_t n, cap;
};

struct ablock {
    struct ablock *next;
    size_t used, cap;
};

struct chain_entry {
    bool valid;
    dev_t dev;
    ino_t ino;
};

struct ctx {
    struct scenario *s;
    struct scn_error *err;
    bool failed;
    struct ablock *arena;
    size_t nodes;                                       /* nodes of the file being parsed */
    size_t visits;                                      /* schema walk */
    struct chain_entry chain[LD_MAX_INCLUDE_DEPTH + 2]; /* files being loaded */
    size_t nchain;

    bool has_arch, has_name, has_guest_src, has_guest_map;
    struct scn_loc top_loc;                          /* the main file's top mapping */
    struct scn_loc guest_map_loc;                    /* the last guest mapping */
    struct scn_loc fault_devloc[SCN_MAX_FAULTS];     /* expect.faults[i].device value */
    struct scn_loc devexp_devloc[SCN_MAX_DEVEXPECT]; /* expect.devices key */
    struct scn_loc devreg_loc[SCN_MAX_DEVICES];      /* memory.devices[i].registers (or the device) */

    /* architecture-dependent keys, checked once the arch is known (stage 3) */
    struct scn_loc arch_loc, cpus_loc, exit_loc, xexits_loc;
    bool has_cpus, has_xexits;
    struct scn_loc stop_key_loc; /* stop.wfi or stop.hlt */
    const char *stop_key;        /* "wfi", "hlt" or NULL */
    struct scn_loc plat_arm_loc; /* the first arm64-only platform key */
    const char *plat_arm_key;
    struct scn_loc xexit_devloc[SCN_MAX_XEXITS];
    /* registers named before the arch was known: resolved in stage 3 */
    char regname[2][SCN_MAX_REGS][16]; /* [0] registers, [1] expect.registers */
    bool reg_pending[2][SCN_MAX_REGS];
};

/* ---- arena -------------------------------------------------------------------- */

#define LD_ALIGN(x) (((x) + 15u) & ~(size_t)15u)
#define LD_BLOCK ((size_t)64 << 10)

static void *aalloc(struct ctx *c, size_t n)
{
    size_t hdr = LD_ALIGN(sizeof(struct ablock));
    n = LD_ALIGN(n ? n : 1);
    struct ablock *b = c->arena;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > LD_BLOCK - hdr ? n : LD_BLOCK - hdr;
        b = malloc(hdr + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = c->arena;
        c->arena = b;
    }
    void *p = (char *)b + hdr + b->used;
    b->used += n;
    return p;
}

/* Everything allocated after a mark can be released at once (an include's
 * tree, once applied: the scenario keeps copies, never pointers). */
struct amark {
    struct ablock *head;
    size_t used;
};

static struct amark amark(const struct ctx *c)
{
    struct amark m = {c->arena, c->arena ? c->arena->used : 0};
    return m;
}

static void arelease(struct ctx *c, struct amark m)
{
    while (c->arena && c->arena != m.head) {
        struct ablock *next = c->arena->next;
        free(c->arena);
        c->arena = next;
    }
    if (c->arena)
        c->arena->used = m.used;
}

static void afree(struct ctx *c)
{
    while (c->arena) {
        struct ablock *next = c->arena->next;
        free(c->arena);
        c->arena = next;
    }
}

/* ---- errors ------------------------------------------------------------------- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t l = strlen(src);
    if (l >= cap)
        l = cap - 1;
    memcpy(dst, src, l);
    dst[l] = '\0';
}

__attribute__((format(printf, 5, 0))) static int vfail(struct ctx *c, uint8_t file, uint32_t line, uint32_t col,
                                                       const char *fmt, va_list ap)
{
    if (c->failed)
        return -1;
    c->failed = true;
    copy_str(c->err->file, sizeof c->err->file, file < c->s->nfiles ? c->s->files[file] : "?");
    c->err->line = line;
    c->err->col = col;
    vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
    return -1;
}

__attribute__((format(printf, 5, 6))) static int failp(struct ctx *c, uint8_t file, uint32_t line, uint32_t col,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, file, line, col, fmt, ap);
    va_end(ap);
    return -1;
}

__attribute__((format(printf, 3, 4))) static int fail_at(struct ctx *c, const struct ynode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, n->file, n->line, n->col, fmt, ap);
    va_end(ap);
    return -1;
}

__attribute__((format(printf, 3, 4))) static int fail_loc(struct ctx *c, struct scn_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, loc.file, loc.line, loc.col, fmt, ap);
    va_end(ap);
    return -1;
}

/* User text for a message: at most `max` bytes (40 for keys and values, 160
 * for paths), control bytes and quotes shown as '?'. */
#define SHOW_KEY 40u
#define SHOW_PATH 160u
struct shown {
    char s[SHOW_PATH + 8];
};

static struct shown show_max(const char *p, size_t len, size_t max)
{
    struct shown out;
    size_t n = len < max ? len : max;
    if (len > max) /* do not cut a UTF-8 sequence */
        while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
            n--;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        out.s[o++] = (ch < 0x20 || ch == 0x7f || ch == '\'') ? '?' : (char)ch;
    }
    if (n < len) {
        memcpy(out.s + o, "...", 3);
        o += 3;
    }
    out.s[o] = '\0';
    return out;
}

static struct shown show_bytes(const char *p, size_t len)
{
    return show_max(p, len, SHOW_KEY);
}

static struct shown show_path(const char *p)
{
    return show_max(p, strlen(p), SHOW_PATH);
}

static struct shown show(const struct ynode *n)
{
    if (n->kind != YK_SCALAR)
        return show_bytes(n->kind == YK_MAP ? "{...}" : "[...]", 5);
    return show_bytes(n->str, n->len);
}

static struct scn_loc loc_of(const struct ynode *n)
{
    struct scn_loc l = {n->file, n->line, n->col};
    return l;
}

/* ---- stage 1: YAML -> tree ------------------------------------------------------ */

struct anchor {
    const char *name;
    struct ynode *node;
};

struct builder {
    struct ctx *c;
    uint8_t file;
    struct ynode *root;
    struct ynode *stack[LD_MAX_DEPTH];
    size_t depth;
    struct anchor *anchors;
    size_t nanchors;
};

static uint32_t u32_of(size_t v)
{
    return v > UINT32_MAX - 1 ? UINT32_MAX : (uint32_t)v;
}

static struct ynode *new_node(struct builder *b, uint8_t kind, yaml_mark_t m)
{
    struct ctx *c = b->c;
    if (++c->nodes > LD_MAX_NODES) {
        failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "too many YAML nodes (max %u)", LD_MAX_NODES);
        return NULL;
    }
    struct ynode *n = aalloc(c, sizeof *n);
    if (!n) {
        failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "out of memory");
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->file = b->file;
    n->line = u32_of(m.line + 1);
    n->col = u32_of(m.column + 1);
    return n;
}

static int add_child(struct builder *b, struct ynode *n, yaml_mark_t m)
{
    struct ctx *c = b->c;
    if (b->depth == 0) {
        b->root = n;
        return 0;
    }
    struct ynode *p = b->stack[b->depth - 1];
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct ynode **k = aalloc(c, cap * sizeof *k);
        if (!k)
            return failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "out of memory");
        if (p->n)
            memcpy(k, p->kids, p->n * sizeof *k);
        p->kids = k;
        p->cap = cap;
    }
    p->kids[p->n++] = n;
    return 0;
}

static int add_anchor(struct builder *b, const yaml_char_t *name, struct ynode *n, yaml_mark_t m)
{
    struct ctx *c = b->c;
    if (!name)
        return 0;
    if (b->nanchors == LD_MAX_ANCHORS)
        return failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "too many anchors (max %u)", LD_MAX_ANCHORS);
    if (!b->anchors) {
        b->anchors = aalloc(c, LD_MAX_ANCHORS * sizeof *b->anchors);
        if (!b->anchors)
            return failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "out of memory");
    }
    size_t l = strlen((const char *)name);
    char *copy = aalloc(c, l + 1);
    if (!copy)
        return failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "out of memory");
    memcpy(copy, name, l + 1);
    b->anchors[b->nanchors].name = copy;
    b->anchors[b->nanchors].node = n;
    b->nanchors++;
    return 0;
}

#define YTAG "tag:yaml.org,2002:"

/* Tags: none, "!" (a string), and the core schema's str/int/bool/null/float on
 * scalars, map on mappings, seq on sequences.  Sets n->plain for scalars. */
static int check_tag(struct builder *b, struct ynode *n, const yaml_char_t *tag, bool plain_style, yaml_mark_t m)
{
    const char *t = (const char *)tag;
    bool ok = false;
    if (n->kind == YK_SCALAR) {
        n->plain = plain_style;
        if (!t) {
            ok = true;
        } else if (!strcmp(t, "!") || !strcmp(t, YTAG "str")) {
            n->plain = false;
            ok = true;
        } else if (!strcmp(t, YTAG "int") || !strcmp(t, YTAG "bool") || !strcmp(t, YTAG "null") ||
                   !strcmp(t, YTAG "float")) {
            n->plain = true;
            ok = true;
        }
    } else {
        ok = !t || !strcmp(t, "!") || !strcmp(t, n->kind == YK_MAP ? YTAG "map" : YTAG "seq");
    }
    if (ok)
        return 0;
    struct shown sh = show_bytes(t, strlen(t));
    return failp(b->c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "unsupported tag '%s'", sh.s);
}

static int syntax_error(struct ctx *c, yaml_parser_t *p, const unsigned char *buf, size_t len, uint8_t file)
{
    const char *problem = p->problem ? p->problem : "error";
    if (p->error == YAML_MEMORY_ERROR)
        return failp(c, file, 0, 0, "out of memory");
    if (p->error == YAML_READER_ERROR) {
        /* Reader errors carry a byte offset, not a mark. */
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        uint32_t line = 1;
        size_t bol = 0;
        for (size_t i = 0; i < off; i++)
            if (buf[i] == '\n') {
                line++;
                bol = i + 1;
            }
        uint32_t col = u32_of(off - bol + 1);
        if (p->problem_value != -1)
            return failp(c, file, line, col, "YAML syntax: %s (byte 0x%02x)", problem,
                         (unsigned)p->problem_value & 0xffu);
        return failp(c, file, line, col, "YAML syntax: %s", problem);
    }
    uint32_t line = u32_of(p->problem_mark.line + 1), col = u32_of(p->problem_mark.column + 1);
    if (p->context)
        return failp(c, file, line, col, "YAML syntax: %s %s", problem, p->context);
    return failp(c, file, line, col, "YAML syntax: %s", problem);
}

static int handle_event(struct builder *b, yaml_event_t *ev, int *ndocs)
{
    struct ctx *c = b->c;
    yaml_mark_t m = ev->start_mark;
    struct ynode *n;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if ((*ndocs)++ > 0)
            return failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "only one YAML document is allowed");
        return 0;
    case YAML_SCALAR_EVENT: {
        n = new_node(b, YK_SCALAR, m);
        if (!n)
            return -1;
        size_t l = ev->data.scalar.length;
        char *s = aalloc(c, l + 1);
        if (!s)
            return failp(c, b->file, n->line, n->col, "out of memory");
        if (l)
            memcpy(s, ev->data.scalar.value, l);
        s[l] = '\0';
        n->str = s;
        n->len = l;
        n->done = true;
        if (check_tag(b, n, ev->data.scalar.tag, ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, m) ||
            add_anchor(b, ev->data.scalar.anchor, n, m))
            return -1;
        return add_child(b, n, m);
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
        if (b->depth == LD_MAX_DEPTH)
            return failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "YAML nested too deep (max %u levels)",
                         LD_MAX_DEPTH);
        n = new_node(b, seq ? YK_SEQ : YK_MAP, m);
        if (!n)
            return -1;
        const yaml_char_t *tag = seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
        const yaml_char_t *anchor = seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
        if (check_tag(b, n, tag, false, m) || add_anchor(b, anchor, n, m) || add_child(b, n, m))
            return -1;
        b->stack[b->depth++] = n;
        return 0;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0)
            b->stack[--b->depth]->done = true;
        return 0;
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        struct shown sh = show_bytes(name ? name : "", name ? strlen(name) : 0);
        if (++c->nodes > LD_MAX_NODES)
            return failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "too many YAML nodes (max %u)",
                         LD_MAX_NODES);
        struct ynode *target = NULL;
        for (size_t i = b->nanchors; name && i-- > 0;)
            if (!strcmp(b->anchors[i].name, name)) {
                target = b->anchors[i].node;
                break;
            }
        if (!target)
            return failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1), "unknown anchor '*%s'", sh.s);
        if (!target->done)
            return failp(c, b->file, u32_of(m.line + 1), u32_of(m.column + 1),
                         "alias '*%s' refers to a node that contains it (recursive alias)", sh.s);
        return add_child(b, target, m);
    }
    default: return 0;
    }
}

/* Parse one file's bytes into a tree (NULL root for an empty stream). */
static int parse_yaml(struct ctx *c, const unsigned char *buf, size_t len, uint8_t file, struct ynode **root)
{
    yaml_parser_t p;
    struct builder b;
    memset(&b, 0, sizeof b);
    b.c = c;
    b.file = file;
    c->nodes = 0;
    *root = NULL;
    if (!yaml_parser_initialize(&p))
        return failp(c, file, 0, 0, "out of memory");
    yaml_parser_set_input_string(&p, buf, len);
    int rc = 0, ndocs = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(c, &p, buf, len, file);
            break;
        }
        bool end = ev.type == YAML_STREAM_END_EVENT;
        rc = handle_event(&b, &ev, &ndocs);
        yaml_event_delete(&ev);
        if (rc || end)
            break;
    }
    yaml_parser_delete(&p);
    if (rc == 0)
        *root = b.root;
    return rc;
}

/* ---- stage 2 helpers: node access -------------------------------------------------- */

static int visit(struct ctx *c, const struct ynode *n)
{
    if (++c->visits > LD_MAX_VISITS)
        return fail_at(c, n, "document too complex (more than %u node visits)", LD_MAX_VISITS);
    return 0;
}

static bool is_null(const struct ynode *n)
{
    if (n->kind != YK_SCALAR || !n->plain)
        return false;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (n->len == strlen(nulls[i]) && !memcmp(n->str, nulls[i], n->len))
            return true;
    return false;
}

static const char *kind_desc(const struct ynode *n)
{
    if (n->kind == YK_MAP)
        return "a mapping";
    if (n->kind == YK_SEQ)
        return "a sequence";
    if (is_null(n))
        return "null";
    return "a string";
}

static bool str_is(const struct ynode *n, const char *s)
{
    return n->kind == YK_SCALAR && n->len == strlen(s) && !memcmp(n->str, s, n->len);
}

static bool key_eq(const struct ynode *a, const struct ynode *b)
{
    return a->len == b->len && !memcmp(a->str, b->str, a->len);
}

static int want_map(struct ctx *c, const struct ynode *n, const char *key)
{
    if (n->kind != YK_MAP)
        return fail_at(c, n, "'%s' must be a mapping, not %s", key, kind_desc(n));
    return 0;
}

static int want_seq(struct ctx *c, const struct ynode *n, const char *key)
{
    if (n->kind != YK_SEQ)
        return fail_at(c, n, "'%s' must be a sequence, not %s", key, kind_desc(n));
    return 0;
}

/* A mapping's keys and values, '<<' merge keys resolved (explicit keys win,
 * then the merged mappings in order). */
struct kv {
    const struct ynode *k, *v;
};
struct kvs {
    struct kv a[LD_MAX_MAP_KEYS];
    size_t n;
};

static int flatten(struct ctx *c, const struct ynode *map, struct kvs *out, int mdepth)
{
    const struct ynode *merge = NULL, *merge_key = NULL;
    if (mdepth == 0)
        out->n = 0;
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const struct ynode *k = map->kids[i], *v = map->kids[i + 1];
        if (visit(c, k))
            return -1;
        if (k->kind != YK_SCALAR)
            return fail_at(c, k, "mapping keys must be strings, not %s", kind_desc(k));
        if (k->plain && str_is(k, "<<")) {
            if (merge)
                return fail_at(c, k, "duplicate key '<<' (first at line %" PRIu32 ")", merge_key->line);
            merge = v;
            merge_key = k;
            continue;
        }
        size_t j;
        for (j = 0; j < out->n; j++)
            if (key_eq(out->a[j].k, k))
                break;
        if (j < out->n) {
            if (mdepth == 0) {
                struct shown sh = show(k);
                return fail_at(c, k, "duplicate key '%s' (first at line %" PRIu32 ")", sh.s, out->a[j].k->line);
            }
            continue; /* merged: what is already there wins */
        }
        if (out->n == LD_MAX_MAP_KEYS)
            return fail_at(c, k, "too many keys in one mapping (max %u)", LD_MAX_MAP_KEYS);
        out->a[out->n].k = k;
        out->a[out->n].v = v;
        out->n++;
    }
    if (!merge)
        return 0;
    if (mdepth >= LD_MAX_MERGE_DEPTH)
        return fail_at(c, merge_key, "merge keys ('<<') nested too deep (max %d)", LD_MAX_MERGE_DEPTH);
    if (merge->kind == YK_MAP)
        return flatten(c, merge, out, mdepth + 1);
    if (merge->kind != YK_SEQ)
        return fail_at(c, merge, "'<<' must be a mapping or a sequence of mappings, not %s", kind_desc(merge));
    if (merge->n > LD_MAX_MERGE_SEQ)
        return fail_at(c, merge, "too many mappings to merge (max %u)", LD_MAX_MERGE_SEQ);
    for (size_t i = 0; i < merge->n; i++) {
        const struct ynode *m = merge->kids[i];
        if (m->kind != YK_MAP)
            return fail_at(c, m, "'<<' must be a mapping or a sequence of mappings, not %s", kind_desc(m));
        if (flatten(c, m, out, mdepth + 1))
            return -1;
    }
    return 0;
}

#define LD_MAX_FIELDS 16
struct fields {
    const struct ynode *v[LD_MAX_FIELDS]; /* values by key index, NULL when absent */
    const struct ynode *k[LD_MAX_FIELDS]; /* the key nodes */
};

/* `where` names the mapping in "unknown key" messages ("memory.devices[1]");
 * NULL for the top level. */
static int get_fields(struct ctx *c, const struct ynode *map, const char *where, const char *const *keys, size_t nkeys,
                      struct fields *f)
{
    struct kvs kv;
    memset(f, 0, sizeof *f);
    if (flatten(c, map, &kv, 0))
        return -1;
    for (size_t i = 0; i < kv.n; i++) {
        size_t j;
        for (j = 0; j < nkeys; j++)
            if (str_is(kv.a[i].k, keys[j]))
                break;
        if (j == nkeys) {
            struct shown sh = show(kv.a[i].k);
            if (where)
                return fail_at(c, kv.a[i].k, "unknown key '%s' in %s", sh.s, where);
            return fail_at(c, kv.a[i].k, "unknown key '%s' at the top level", sh.s);
        }
        f->v[j] = kv.a[i].v;
        f->k[j] = kv.a[i].k;
    }
    return 0;
}

/* Numbers: decimal, 0x hex, 0b binary, '_' between digits (or after the prefix).
 * 0 ok, -1 malformed, -2 does not fit in 64 bits. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    size_t i = 0;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (len >= 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
        base = 2;
        i = 2;
    }
    uint64_t v = 0;
    bool digit = false, overflow = false;
    for (; i < len; i++) {
        char ch = s[i];
        if (ch == '_') {
            if (i + 1 >= len || s[i + 1] == '_' || (base == 10 && i == 0))
                return -1;
            continue;
        }
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            d = (unsigned)(ch - 'A' + 10);
        else
            return -1;
        if (d >= base)
            return -1;
        digit = true;
        if (v > (UINT64_MAX - d) / base)
            overflow = true;
        else
            v = v * base + d;
    }
    if (!digit)
        return -1;
    if (overflow)
        return -2;
    *out = v;
    return 0;
}

static int get_u64(struct ctx *c, const struct ynode *n, const char *key, uint64_t *out)
{
    if (n->kind != YK_SCALAR || !n->plain || is_null(n))
        return fail_at(c, n, "'%s' must be a number, not %s", key, kind_desc(n));
    int r = parse_u64(n->str, n->len, out);
    if (r == 0)
        return 0;
    struct shown sh = show(n);
    if (r == -2)
        return fail_at(c, n, "number '%s' does not fit in 64 bits", sh.s);
    return fail_at(c, n, "bad number '%s' for '%s'", sh.s, key);
}

static int get_range(struct ctx *c, const struct ynode *n, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
    if (get_u64(c, n, key, out))
        return -1;
    if (*out < min || *out > max)
        return fail_at(c, n, "'%s' must be between %" PRIu64 " and %" PRIu64, key, min, max);
    return 0;
}

static int get_access_size(struct ctx *c, const struct ynode *n, const char *key, uint8_t *out)
{
    uint64_t v;
    if (get_u64(c, n, key, &v))
        return -1;
    if (v != 1 && v != 2 && v != 4 && v != 8)
        return fail_at(c, n, "'%s' must be 1, 2, 4 or 8", key);
    *out = (uint8_t)v;
    return 0;
}

static int get_bool(struct ctx *c, const struct ynode *n, const char *key, bool *out)
{
    if (n->kind == YK_SCALAR && n->plain && str_is(n, "true"))
        *out = true;
    else if (n->kind == YK_SCALAR && n->plain && str_is(n, "false"))
        *out = false;
    else
        return fail_at(c, n, "'%s' must be true or false", key);
    return 0;
}

static int want_string(struct ctx *c, const struct ynode *n, const char *key)
{
    if (n->kind != YK_SCALAR || is_null(n))
        return fail_at(c, n, "'%s' must be a string, not %s", key, kind_desc(n));
    return 0;
}

/* A string into a fixed buffer (NUL-terminated); NUL bytes only if len_out. */
static int get_str(struct ctx *c, const struct ynode *n, const char *key, char *buf, size_t cap, size_t *len_out)
{
    if (want_string(c, n, key))
        return -1;
    if (!len_out && memchr(n->str, '\0', n->len))
        return fail_at(c, n, "'%s' must not contain NUL bytes", key);
    if (n->len >= cap + (len_out ? 1u : 0u))
        return fail_at(c, n, "'%s' is too long (max %zu bytes)", key, len_out ? cap : cap - 1);
    memset(buf, 0, cap);
    memcpy(buf, n->str, n->len);
    if (len_out)
        *len_out = n->len;
    return 0;
}

static int get_enum(struct ctx *c, const struct ynode *n, const char *key, const char *what, const char *const *names,
                    size_t nnames, const char *list, size_t *idx)
{
    if (want_string(c, n, key))
        return -1;
    for (size_t i = 0; i < nnames; i++)
        if (str_is(n, names[i])) {
            *idx = i;
            return 0;
        }
    struct shown sh = show(n);
    return fail_at(c, n, "unknown %s '%s' (%s)", what, sh.s, list);
}

static bool valid_name(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-'))
            return false;
    }
    return true;
}

/* A name: [A-Za-z0-9_-]+, shorter than 32. */
static int get_name(struct ctx *c, const struct ynode *n, const char *key, char out[32])
{
    if (want_string(c, n, key))
        return -1;
    struct shown sh = show(n);
    if (n->len == 0)
        return fail_at(c, n, "%s must not be empty", key);
    if (!valid_name(n->str, n->len))
        return fail_at(c, n, "%s '%s' may only contain letters, digits, '_' and '-'", key, sh.s);
    if (n->len >= 32)
        return fail_at(c, n, "%s '%s' is too long (max 31 characters)", key, sh.s);
    memset(out, 0, 32);
    memcpy(out, n->str, n->len);
    return 0;
}

/* Hex bytes, whitespace ignored.  Writes the digits (no whitespace) to digits
 * (if not NULL) and/or the bytes to bytes (if not NULL, at most maxbytes). */
static int get_hex(struct ctx *c, const struct ynode *n, const char *key, char *digits, uint8_t *bytes, size_t maxbytes,
                   size_t *nbytes)
{
    if (want_string(c, n, key))
        return -1;
    size_t nd = 0;
    for (size_t i = 0; i < n->len; i++) {
        char ch = n->str[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            continue;
        int d = (ch >= '0' && ch <= '9')   ? ch - '0'
                : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10
                                           : -1;
        if (d < 0) {
            struct shown sh = show_bytes(&n->str[i], 1);
            return fail_at(c, n, "'%s': bad hex digit '%s' at offset %zu", key, sh.s, i);
        }
        if (bytes) {
            if (nd / 2 >= maxbytes)
                return fail_at(c, n, "'%s' is too long (max %zu bytes)", key, maxbytes);
            if (nd % 2 == 0)
                bytes[nd / 2] = (uint8_t)(d << 4);
            else
                bytes[nd / 2] = (uint8_t)(bytes[nd / 2] | d);
        }
        if (digits)
            digits[nd] = ch;
        nd++;
    }
    if (nd == 0)
        return fail_at(c, n, "'%s' has no hex digits", key);
    if (nd % 2)
        return fail_at(c, n, "'%s' has an odd number of hex digits (%zu)", key, nd);
    if (digits)
        digits[nd] = '\0';
    if (nbytes)
        *nbytes = nd / 2;
    return 0;
}

/* x0..x30, sp, pc, nzcv -> VMF_ARM64_* numbers; -1 if none. */
static int arm64_reg_number(const struct ynode *k)
{
    if (str_is(k, "sp"))
        return 31;
    if (str_is(k, "pc"))
        return 32;
    if (str_is(k, "nzcv"))
        return 33;
    if (k->len < 2 || k->len > 3 || k->str[0] != 'x')
        return -1;
    int v = 0;
    for (size_t i = 1; i < k->len; i++) {
        if (k->str[i] < '0' || k->str[i] > '9')
            return -1;
        v = v * 10 + (k->str[i] - '0');
    }
    if (k->len == 3 && k->str[1] == '0')
        return -1;
    return v <= 30 ? v : -1;
}

/* rax..r15, rip, rflags, ... -> VMF_X86_REG_* numbers (lower case); -1 if none.
 * The names of vmf_x86_reg_name / vmf_x86_reg_by_name (engine/arch/x86.c),
 * repeated here so that the loader stays free of the engine (the fuzz target
 * links it alone: scripts/fuzz-smoke.sh); tests/test_runner.c checks that the
 * two tables agree name for name. */
static const char *const x86_reg_names[] = {
    "rax",        "rcx",       "rdx",        "rbx",  "rsp", "rbp", "rsi",    "rdi", "r8",      "r9",      "r10",
    "r11",        "r12",       "r13",        "r14",  "r15", "rip", "rflags", "cr0", "cr2",     "cr3",     "cr4",
    "cr8",        "efer",      "cs",         "ss",   "ds",  "es",  "fs",     "gs",  "fs_base", "gs_base", "gdtr_base",
    "gdtr_limit", "idtr_base", "idtr_limit", "ldtr", "tr",  "dr0", "dr1",    "dr2", "dr3",     "dr6",     "dr7",
};
_Static_assert(sizeof x86_reg_names / sizeof x86_reg_names[0] == VMF_X86_REG_COUNT, "one name per enum vmf_x86_64_reg");

static int x86_reg_number(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof x86_reg_names / sizeof x86_reg_names[0]; i++)
        if (strlen(x86_reg_names[i]) == len && !memcmp(x86_reg_names[i], name, len))
            return (int)i;
    return -1;
}

#define ARM64_REGS "x0..x30, sp, pc or nzcv"
#define X86_REGS "rax..r15, rip, rflags, cr0..cr8, efer, fs_base, gs_base, dr0..dr7, ..."

/* A register name for the scenario's arch; -1 if none. */
static int reg_number(uint8_t arch, const struct ynode *k)
{
    return arch == SCN_ARCH_X86_64 ? x86_reg_number(k->str, k->len) : arm64_reg_number(k);
}

/* ---- paths ---------------------------------------------------------------------- */

/* rel relative to the directory of base, into out; -1 if too long. */
static int resolve_path(const char *base, const char *rel, char out[SCN_PATH_MAX])
{
    size_t dl = 0;
    if (rel[0] != '/') {
        const char *slash = strrchr(base, '/');
        if (slash)
            dl = (size_t)(slash - base) + 1;
    }
    size_t rl = strlen(rel);
    if (dl + rl >= SCN_PATH_MAX)
        return -1;
    memcpy(out, base, dl);
    memcpy(out + dl, rel, rl + 1);
    return 0;
}

static const char *errno_str(int e, char *buf, size_t len)
{
    if (strerror_r(e, buf, len) != 0)
        snprintf(buf, len, "error %d", e);
    return buf;
}

/* ---- stage 2: the schema ----------------------------------------------------------- */

static int apply_doc(struct ctx *c, const struct ynode *root, uint8_t file, int depth);

static int region_check(struct ctx *c, const struct ynode *map, const struct ynode *base_node,
                        const struct ynode *size_node, uint64_t base, uint64_t size, const char *what)
{
    const struct ynode *sn = size_node ? size_node : map;
    if (size == 0)
        return fail_at(c, sn, "%s size must not be zero", what);
    if (base & 0xfffu)
        return fail_at(c, base_node, "%s base 0x%" PRIx64 " is not 4 KiB aligned", what, base);
    if (size & 0xfffu)
        return fail_at(c, sn, "%s size 0x%" PRIx64 " is not a multiple of 4 KiB", what, size);
    if (size > UINT64_MAX - base)
        return fail_at(c, map, "%s [0x%" PRIx64 ", +0x%" PRIx64 ") wraps around the end of the address space", what,
                       base, size);
    const struct scenario *s = c->s;
    uint64_t end = base + size;
    for (size_t i = 0; i < s->nram; i++) {
        const struct scn_ram *r = &s->ram[i];
        if (base < r->base + r->size && r->base < end) {
            if (r->loc.file != map->file)
                return fail_at(c, map,
                               "%s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps ram[%zu] [0x%" PRIx64 ", 0x%" PRIx64
                               ") from %s",
                               what, base, end, i, r->base, r->base + r->size, s->files[r->loc.file]);
            return fail_at(c, map, "%s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps ram[%zu] [0x%" PRIx64 ", 0x%" PRIx64 ")",
                           what, base, end, i, r->base, r->base + r->size);
        }
    }
    for (size_t i = 0; i < s->ndevices; i++) {
        const struct scn_device *d = &s->devices[i];
        if (d->port) /* I/O ports are another address space */
            continue;
        if (base < d->base + d->size && d->base < end) {
            if (d->loc.file != map->file)
                return fail_at(c, map,
                               "%s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps device '%s' [0x%" PRIx64 ", 0x%" PRIx64
                               ") from %s",
                               what, base, end, d->name, d->base, d->base + d->size, s->files[d->loc.file]);
            return fail_at(c, map,
                           "%s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps device '%s' [0x%" PRIx64 ", 0x%" PRIx64 ")",
                           what, base, end, d->name, d->base, d->base + d->size);
        }
        if (d->model == SCN_MODEL_GICV2 && base < d->cpu_base + 0x2000 && d->cpu_base < end)
            return fail_at(c, map, "%s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps the CPU interface of '%s' at 0x%" PRIx64,
                           what, base, end, d->name, d->cpu_base);
    }
    return 0;
}

static int apply_ram(struct ctx *c, const struct ynode *n, size_t idx)
{
    static const char *const keys[] = {"base", "size", "lazy"};
    char where[64];
    struct fields f;
    snprintf(where, sizeof where, "memory.ram[%zu]", idx);
    if (n->kind != YK_MAP)
        return fail_at(c, n, "%s must be a mapping, not %s", where, kind_desc(n));
    if (get_fields(c, n, where, keys, 3, &f))
        return -1;
    if (c->s->nram == SCN_MAX_RAM)
        return fail_at(c, n, "too many ram regions (max %d)", SCN_MAX_RAM);
    if (!f.v[0])
        return fail_at(c, n, "ram region needs 'base'");
    if (!f.v[1])
        return fail_at(c, n, "ram region needs 'size'");
    uint64_t base, size;
    if (get_u64(c, f.v[0], "base", &base) || get_u64(c, f.v[1], "size", &size) ||
        region_check(c, n, f.v[0], f.v[1], base, size, "ram"))
        return -1;
    bool lazy = false;
    if (f.v[2] && get_bool(c, f.v[2], "lazy", &lazy))
        return -1;
    struct scn_ram *r = &c->s->ram[c->s->nram++];
    r->base = base;
    r->size = size;
    r->lazy = lazy;
    r->loc = loc_of(n);
    return 0;
}

static bool fits(uint64_t v, uint8_t size)
{
    return size >= 8 || (v >> (size * 8u)) == 0;
}

static int get_reg_value(struct ctx *c, const struct ynode *n, const char *key, uint8_t size, uint64_t *out)
{
    if (get_u64(c, n, key, out))
        return -1;
    if (!fits(*out, size))
        return fail_at(c, n, "value 0x%" PRIx64 " does not fit in a %u-byte register", *out, size);
    return 0;
}

enum { R_NAME, R_OFFSET, R_SIZE, R_CONST, R_SEQUENCE, R_VALUES, R_BITFIELD, R_VALUE, R_PASSTHROUGH, R_NKEYS };

static int apply_bitfield(struct ctx *c, const struct ynode *n, const char *where, struct vmf_regfile_reg *r)
{
    static const char *const keys[] = {"lsb", "width", "start", "step"};
    char w[160];
    struct fields f;
    snprintf(w, sizeof w, "%s.bitfield", where);
    if (want_map(c, n, "bitfield") || get_fields(c, n, w, keys, 4, &f))
        return -1;
    uint64_t lsb = 0, width, start = 0, step = 1;
    unsigned bits = r->size * 8u;
    if (f.v[0] && get_range(c, f.v[0], "lsb", 0, 63, &lsb))
        return -1;
    if (lsb >= bits)
        return fail_at(c, f.v[0], "'lsb' must be less than the register width (%u bits)", bits);
    width = bits - lsb;
    if (f.v[1] && get_range(c, f.v[1], "width", 1, 64, &width))
        return -1;
    if (lsb + width > bits)
        return fail_at(c, f.v[1], "bitfield [%" PRIu64 ", %" PRIu64 ") does not fit in a %u-bit register", lsb,
                       lsb + width, bits);
    if ((f.v[2] && get_u64(c, f.v[2], "start", &start)) || (f.v[3] && get_u64(c, f.v[3], "step", &step)))
        return -1;
    r->lsb = (uint8_t)lsb;
    r->width = (uint8_t)width;
    r->start = start;
    r->step = step;
    return 0;
}

static int apply_values(struct ctx *c, const struct ynode *n, const char *key, struct vmf_regfile_reg *r)
{
    if (want_seq(c, n, key))
        return -1;
    if (n->n == 0)
        return fail_at(c, n, "'%s' must not be empty", key);
    if (n->n > VMF_REGFILE_MAX_VALUES)
        return fail_at(c, n->kids[VMF_REGFILE_MAX_VALUES], "too many values in '%s' (max %d)", key,
                       VMF_REGFILE_MAX_VALUES);
    for (size_t i = 0; i < n->n; i++)
        if (visit(c, n->kids[i]) || get_reg_value(c, n->kids[i], key, r->size, &r->values[i]))
            return -1;
    r->nvalues = (uint8_t)n->n;
    return 0;
}

static const char *reg_desc(const struct vmf_regfile_reg *r, size_t i, char *buf, size_t len)
{
    if (r->name[0])
        snprintf(buf, len, "register '%s'", r->name);
    else
        snprintf(buf, len, "registers[%zu]", i);
    return buf;
}

static int apply_register(struct ctx *c, const struct ynode *n, const char *dwhere, size_t idx, struct scn_device *d)
{
    static const char *const keys[] = {"name",   "offset",   "size",  "const",      "sequence",
                                       "values", "bitfield", "value", "passthrough"};
    static const char *const kinds[] = {"const", "sequence", "values", "bitfield", "passthrough"};
    static const uint8_t kind_of[] = {VMF_REG_CONST, VMF_REG_SEQUENCE, VMF_REG_VALUES, VMF_REG_BITFIELD,
                                      VMF_REG_PASSTHROUGH};
    char where[128];
    struct fields f;
    snprintf(where, sizeof where, "%s.registers[%zu]", dwhere, idx);
    if (n->kind != YK_MAP)
        return fail_at(c, n, "%s must be a mapping, not %s", where, kind_desc(n));
    if (get_fields(c, n, where, keys, R_NKEYS, &f))
        return -1;
    struct vmf_regfile_config *cfg = &d->regfile;
    if (cfg->nregs == VMF_REGFILE_MAX_REGS)
        return fail_at(c, n, "too many registers (max %d)", VMF_REGFILE_MAX_REGS);
    struct vmf_regfile_reg *r = &cfg->regs[cfg->nregs];
    memset(r, 0, sizeof *r);
    if (f.v[R_NAME] && get_name(c, f.v[R_NAME], "register name", r->name))
        return -1;
    if (r->name[0])
        for (size_t i = 0; i < cfg->nregs; i++)
            if (!strcmp(cfg->regs[i].name, r->name))
                return fail_at(c, f.v[R_NAME], "duplicate register name '%s' in device '%s'", r->name, d->name);
    if (!f.v[R_OFFSET])
        return fail_at(c, n, "register needs 'offset'");
    r->size = 4;
    if (get_u64(c, f.v[R_OFFSET], "offset", &r->offset) ||
        (f.v[R_SIZE] && get_access_size(c, f.v[R_SIZE], "size", &r->size)))
        return -1;
    if (d->port && r->size > 4)
        return fail_at(c, f.v[R_SIZE], "port registers are 1, 2 or 4 bytes (an IN or OUT moves at most 4)");
    if (r->offset % r->size)
        return fail_at(c, f.v[R_OFFSET], "register offset 0x%" PRIx64 " is not a multiple of its size (%u)", r->offset,
                       r->size);
    if (r->offset > d->size - r->size) {
        if (d->port)
            return fail_at(c, f.v[R_OFFSET],
                           "register offset 0x%" PRIx64 " is outside the port range (0x%" PRIx64 " ports)", r->offset,
                           d->size);
        return fail_at(c, f.v[R_OFFSET], "register offset 0x%" PRIx64 " is outside the device (size 0x%" PRIx64 ")",
                       r->offset, d->size);
    }
    /* the kind: exactly one of const, sequence, values, bitfield, passthrough */
    static const int kind_key[] = {R_CONST, R_SEQUENCE, R_VALUES, R_BITFIELD, R_PASSTHROUGH};
    int kind = -1;
    for (int i = 0; i < 5; i++) {
        if (!f.v[kind_key[i]])
            continue;
        if (kind >= 0) {
            const struct ynode *a = f.k[kind_key[kind]], *b = f.k[kind_key[i]];
            const struct ynode *later = (a->line > b->line || (a->line == b->line && a->col > b->col)) ? a : b;
            return fail_at(c, later, "register has both '%s' and '%s' (use exactly one)", kinds[kind], kinds[i]);
        }
        kind = i;
    }
    if (kind < 0)
        return fail_at(c, n, "register needs one of 'const', 'sequence', 'values', 'bitfield' or 'passthrough'");
    r->kind = kind_of[kind];
    if (f.v[R_VALUE] && r->kind != VMF_REG_BITFIELD)
        return fail_at(c, f.k[R_VALUE], "'value' is only valid with 'bitfield'");
    const struct ynode *kv = f.v[kind_key[kind]];
    switch (r->kind) {
    case VMF_REG_CONST:
        if (get_reg_value(c, kv, "const", r->size, &r->value))
            return -1;
        break;
    case VMF_REG_PASSTHROUGH:
        if (get_reg_value(c, kv, "passthrough", r->size, &r->value))
            return -1;
        break;
    case VMF_REG_SEQUENCE:
    case VMF_REG_VALUES:
        if (apply_values(c, kv, kinds[kind], r))
            return -1;
        break;
    default: /* bitfield */
        if (apply_bitfield(c, kv, where, r) ||
            (f.v[R_VALUE] && get_reg_value(c, f.v[R_VALUE], "value", r->size, &r->value)))
            return -1;
        break;
    }
    for (size_t i = 0; i < cfg->nregs; i++) {
        const struct vmf_regfile_reg *o = &cfg->regs[i];
        if (r->offset < o->offset + o->size && o->offset < r->offset + r->size) {
            char a[64], b[64];
            return fail_at(c, n, "%s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps %s [0x%" PRIx64 ", 0x%" PRIx64 ")",
                           reg_desc(r, cfg->nregs, a, sizeof a), r->offset, r->offset + r->size,
                           reg_desc(o, i, b, sizeof b), o->offset, o->offset + o->size);
        }
    }
    cfg->nregs++;
    return 0;
}

enum {
    D_NAME,
    D_MODEL,
    D_BASE,
    D_SIZE,
    D_PATH,
    D_UNLISTED,
    D_REGISTERS,
    D_HANDLER,
    D_INPUT,
    D_IRQ,
    D_CPU_INTERFACE,
    D_IRQS,
    D_NKEYS
};

static int apply_device(struct ctx *c, const struct ynode *n, size_t idx)
{
    static const char *const keys[] = {"name",      "model",   "base",  "size", "path",          "unlisted",
                                       "registers", "handler", "input", "irq",  "cpu_interface", "irqs"};
    static const char *const models[] = {"regfile", "pl011", "test-exit", "handler", "gicv2"};
    static const char *const paths[] = {"fast", "exit"};
    static const char *const policies[] = {"zero", "error", "stop"};
    char where[64];
    struct fields f;
    snprintf(where, sizeof where, "memory.devices[%zu]", idx);
    if (n->kind != YK_MAP)
        return fail_at(c, n, "%s must be a mapping, not %s", where, kind_desc(n));
    if (get_fields(c, n, where, keys, D_NKEYS, &f))
        return -1;
    struct scenario *s = c->s;
    if (s->ndevices == SCN_MAX_DEVICES)
        return fail_at(c, n, "too many devices (max %d)", SCN_MAX_DEVICES);
    struct scn_device *d = &s->devices[s->ndevices];
    memset(d, 0, sizeof *d);
    d->loc = loc_of(n);
    if (!f.v[D_NAME])
        return fail_at(c, n, "device needs 'name'");
    if (!f.v[D_MODEL])
        return fail_at(c, n, "device needs 'model'");
    if (!f.v[D_BASE])
        return fail_at(c, n, "device needs 'base'");
    if (get_name(c, f.v[D_NAME], "device name", d->name))
        return -1;
    for (size_t i = 0; i < s->ndevices; i++)
        if (!strcmp(s->devices[i].name, d->name)) {
            char at[SCN_PATH_MAX + 32];
            return fail_at(c, f.v[D_NAME], "duplicate device name '%s' (first at %s)", d->name,
                           scn_loc_str(s, s->devices[i].loc, at, sizeof at));
        }
    size_t model, path = 0, policy = 0;
    if (get_enum(c, f.v[D_MODEL], "model", "device model", models, 5, "regfile, pl011, test-exit, handler or gicv2",
                 &model))
        return -1;
    d->model = (uint8_t)(model + 1);
    d->irq = -1;
    d->size = 0x1000;
    if (get_u64(c, f.v[D_BASE], "base", &d->base) || (f.v[D_SIZE] && get_u64(c, f.v[D_SIZE], "size", &d->size)))
        return -1;
    if (f.v[D_PATH]) {
        if (get_enum(c, f.v[D_PATH], "path", "path", paths, 2, "fast or exit", &path))
            return -1;
        d->path = (uint8_t)(path + 1);
    }
    /* keys that belong to another model */
    static const struct {
        int key;
        uint8_t model;
        const char *name;
    } only[] = {
        {D_UNLISTED, SCN_MODEL_REGFILE, "regfile"}, {D_REGISTERS, SCN_MODEL_REGFILE, "regfile"},
        {D_HANDLER, SCN_MODEL_HANDLER, "handler"},  {D_INPUT, SCN_MODEL_PL011, "pl011"},
        {D_IRQ, SCN_MODEL_PL011, "pl011"},          {D_CPU_INTERFACE, SCN_MODEL_GICV2, "gicv2"},
        {D_IRQS, SCN_MODEL_GICV2, "gicv2"},
    };
    for (size_t i = 0; i < sizeof only / sizeof only[0]; i++)
        if (f.v[only[i].key] && d->model != only[i].model)
            return fail_at(c, f.k[only[i].key], "'%s' is only valid for model %s", keys[only[i].key], only[i].name);
    if (d->model == SCN_MODEL_HANDLER) {
        if (!f.v[D_HANDLER])
            return fail_at(c, n, "device needs 'handler'");
        if (get_name(c, f.v[D_HANDLER], "handler", d->handler))
            return -1;
    }
    if (f.v[D_INPUT] && get_str(c, f.v[D_INPUT], "input", d->uart_input, sizeof d->uart_input, &d->uart_input_len))
        return -1;
    if (f.v[D_IRQ]) {
        uint64_t irq;
        if (get_range(c, f.v[D_IRQ], "irq", 32, 1019, &irq))
            return -1;
        d->irq = (int32_t)irq;
    }
    if (d->model == SCN_MODEL_GICV2) {
        uint64_t nirqs = 128;
        if (!f.v[D_CPU_INTERFACE])
            return fail_at(c, n, "device needs 'cpu_interface' (the GICC base)");
        if (get_u64(c, f.v[D_CPU_INTERFACE], "cpu_interface", &d->cpu_base))
            return -1;
        if (f.v[D_IRQS] && get_range(c, f.v[D_IRQS], "irqs", 32, 1020, &nirqs))
            return -1;
        d->nirqs = (uint32_t)nirqs;
        char cwhat[64];
        snprintf(cwhat, sizeof cwhat, "device '%s' CPU interface", d->name);
        if (region_check(c, n, f.v[D_CPU_INTERFACE], NULL, d->cpu_base, 0x2000, cwhat))
            return -1;
        if (d->cpu_base < d->base + d->size && d->base < d->cpu_base + 0x2000)
            return fail_at(c, f.v[D_CPU_INTERFACE], "the CPU interface overlaps the distributor");
    }
    char what[48];
    snprintf(what, sizeof what, "device '%s'", d->name);
    if (region_check(c, n, f.v[D_BASE], f.v[D_SIZE], d->base, d->size, what))
        return -1;
    if (d->model == SCN_MODEL_REGFILE) {
        if (f.v[D_UNLISTED]) {
            if (get_enum(c, f.v[D_UNLISTED], "unlisted", "unlisted policy", policies, 3, "zero, error or stop",
                         &policy))
                return -1;
            d->regfile.unlisted = (uint8_t)policy;
        }
        const struct ynode *regs = f.v[D_REGISTERS];
        if (regs) {
            if (want_seq(c, regs, "registers"))
                return -1;
            for (size_t i = 0; i < regs->n; i++)
                if (visit(c, regs->kids[i]) || apply_register(c, regs->kids[i], where, i, d))
                    return -1;
        }
        char msg[200];
        if (vmf_regfile_check(&d->regfile, msg, sizeof msg) != 0) {
            msg[sizeof msg - 1] = '\0';
            return fail_at(c, regs ? regs : n, "registers: %s", msg);
        }
    }
    s->ndevices++;
    return 0;
}

static int apply_memory(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"ram", "devices"};
    struct fields f;
    if (want_map(c, n, "memory") || get_fields(c, n, "memory", keys, 2, &f))
        return -1;
    if (f.v[0]) {
        if (want_seq(c, f.v[0], "ram"))
            return -1;
        for (size_t i = 0; i < f.v[0]->n; i++)
            if (visit(c, f.v[0]->kids[i]) || apply_ram(c, f.v[0]->kids[i], i))
                return -1;
    }
    if (f.v[1]) {
        if (want_seq(c, f.v[1], "devices"))
            return -1;
        for (size_t i = 0; i < f.v[1]->n; i++)
            if (visit(c, f.v[1]->kids[i]) || apply_device(c, f.v[1]->kids[i], i))
                return -1;
    }
    return 0;
}

static int set_guest_text(struct ctx *c, const struct ynode *at, const char *text, size_t len, uint8_t kind)
{
    char *t = malloc(len + 1);
    if (!t)
        return fail_at(c, at, "out of memory");
    memcpy(t, text, len);
    t[len] = '\0';
    free(c->s->guest_text);
    c->s->guest_text = t;
    c->s->guest_kind = kind;
    c->has_guest_src = true;
    return 0;
}

static int apply_guest(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"asm", "hex", "file", "load", "entry"};
    struct fields f;
    struct scenario *s = c->s;
    if (want_map(c, n, "guest") || get_fields(c, n, "guest", keys, 5, &f))
        return -1;
    c->has_guest_map = true;
    c->guest_map_loc = loc_of(n);
    int src = -1;
    for (int i = 0; i < 3; i++) {
        if (!f.v[i])
            continue;
        if (src >= 0) {
            const struct ynode *a = f.k[src], *b = f.k[i];
            const struct ynode *later = (a->line > b->line || (a->line == b->line && a->col > b->col)) ? a : b;
            return fail_at(c, later, "guest has both '%s' and '%s' (use exactly one)", keys[src], keys[i]);
        }
        src = i;
    }
    if (src == 0) {
        const struct ynode *v = f.v[0];
        if (want_string(c, v, "asm"))
            return -1;
        if (memchr(v->str, '\0', v->len))
            return fail_at(c, v, "'asm' must not contain NUL bytes");
        if (v->len == 0)
            return fail_at(c, v, "'asm' must not be empty");
        if (set_guest_text(c, v, v->str, v->len, SCN_GUEST_ASM))
            return -1;
    } else if (src == 1) {
        const struct ynode *v = f.v[1];
        if (want_string(c, v, "hex"))
            return -1;
        char *digits = aalloc(c, v->len + 1);
        if (!digits)
            return fail_at(c, v, "out of memory");
        size_t nb;
        if (get_hex(c, v, "hex", digits, NULL, 0, &nb) || set_guest_text(c, v, digits, nb * 2, SCN_GUEST_HEX))
            return -1;
    } else if (src == 2) {
        const struct ynode *v = f.v[2];
        char path[SCN_PATH_MAX], eb[128];
        struct stat st;
        if (want_string(c, v, "file"))
            return -1;
        if (memchr(v->str, '\0', v->len))
            return fail_at(c, v, "'file' must not contain NUL bytes");
        if (resolve_path(s->files[n->file], v->str, path))
            return fail_at(c, v, "guest file path is too long (max %d bytes)", SCN_PATH_MAX - 1);
        struct shown sh = show_path(path);
        if (stat(path, &st) != 0)
            return fail_at(c, v, "guest file '%s': %s", sh.s, errno_str(errno, eb, sizeof eb));
        if (!S_ISREG(st.st_mode))
            return fail_at(c, v, "guest file '%s' is not a regular file", sh.s);
        if (set_guest_text(c, v, path, strlen(path), SCN_GUEST_FILE))
            return -1;
    }
    if (src >= 0)
        s->guest_loc = loc_of(n);
    if (f.v[3]) {
        if (get_u64(c, f.v[3], "load", &s->load))
            return -1;
        s->has_load = true;
    }
    if (f.v[4]) {
        if (get_u64(c, f.v[4], "entry", &s->entry))
            return -1;
        s->has_entry = true;
    }
    return 0;
}

/* registers / expect.registers: {x0: 1, sp: 2} (x86-64: {rax: 1, rsp: 2}); a
 * register set again is replaced.  Names given before the arch is known (an
 * include without 'arch') wait for stage 3.  which: 0 registers, 1 expect. */
static int apply_regs(struct ctx *c, const struct ynode *n, const char *key, struct scn_reg *regs, size_t *nregs,
                      int which)
{
    struct kvs kv;
    if (want_map(c, n, key) || flatten(c, n, &kv, 0))
        return -1;
    for (size_t i = 0; i < kv.n; i++) {
        const struct ynode *k = kv.a[i].k;
        int r = -1;
        bool pending = !c->has_arch;
        if (!pending) {
            r = reg_number(c->s->arch, k);
            if (r < 0) {
                struct shown sh = show(k);
                return fail_at(c, k, "unknown register '%s' (%s)", sh.s,
                               c->s->arch == SCN_ARCH_X86_64 ? X86_REGS : ARM64_REGS);
            }
        } else if (k->len >= sizeof c->regname[0][0] || memchr(k->str, '\0', k->len)) {
            struct shown sh = show(k);
            return fail_at(c, k, "unknown register '%s'", sh.s);
        }
        uint64_t v;
        struct shown kn = show(k);
        if (get_u64(c, kv.a[i].v, kn.s, &v))
            return -1;
        size_t j;
        for (j = 0; j < *nregs; j++)
            if (pending ? c->reg_pending[which][j] && !strncmp(c->regname[which][j], k->str, sizeof c->regname[0][0]) &&
                              strlen(c->regname[which][j]) == k->len
                        : !c->reg_pending[which][j] && regs[j].reg == r)
                break;
        if (j == *nregs) {
            if (*nregs == SCN_MAX_REGS)
                return fail_at(c, k, "too many registers (max %d)", SCN_MAX_REGS);
            (*nregs)++;
        }
        regs[j].reg = (uint8_t)(pending ? 0xff : r);
        regs[j].value = v;
        regs[j].loc = loc_of(k);
        c->reg_pending[which][j] = pending;
        memset(c->regname[which][j], 0, sizeof c->regname[0][0]);
        if (pending)
            memcpy(c->regname[which][j], k->str, k->len);
    }
    return 0;
}

/* Entry i of a list of mappings ("events[3]"): visited, a mapping, its keys
 * among `keys` (f); `where` names it for the caller's own errors. */
static int list_entry(struct ctx *c, const struct ynode *e, const char *list, size_t i, const char *const *keys,
                      size_t nkeys, char *where, size_t wlen, struct fields *f)
{
    snprintf(where, wlen, "%s[%zu]", list, i);
    if (visit(c, e))
        return -1;
    if (e->kind != YK_MAP)
        return fail_at(c, e, "%s must be a mapping, not %s", where, kind_desc(e));
    return get_fields(c, e, where, keys, nkeys, f);
}

static int apply_events(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"at", "irq", "level"};
    static const char *const levels[] = {"high", "low"};
    struct scenario *s = c->s;
    if (want_seq(c, n, "events"))
        return -1;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *e = n->kids[i];
        char where[48];
        struct fields f;
        if (list_entry(c, e, "events", i, keys, 3, where, sizeof where, &f))
            return -1;
        if (s->nevents == SCN_MAX_EVENTS)
            return fail_at(c, e, "too many events (max %d)", SCN_MAX_EVENTS);
        if (!f.v[0])
            return fail_at(c, e, "event needs 'at'");
        if (!f.v[1])
            return fail_at(c, e, "event needs 'irq'");
        uint64_t at, irq;
        size_t level = 0;
        if (get_u64(c, f.v[0], "at", &at) || get_range(c, f.v[1], "irq", 0, UINT32_MAX, &irq) ||
            (f.v[2] && get_enum(c, f.v[2], "level", "level", levels, 2, "high or low", &level)))
            return -1;
        if (s->nevents > 0 && at < s->events[s->nevents - 1].at)
            return fail_at(c, f.v[0],
                           "events must be in non-decreasing 'at' order (%" PRIu64 " comes after %" PRIu64 ")", at,
                           s->events[s->nevents - 1].at);
        struct scn_event *ev = &s->events[s->nevents++];
        ev->at = at;
        ev->irq = (uint32_t)irq;
        ev->level = level == 0;
        ev->loc = loc_of(e);
    }
    return 0;
}

static int apply_stop(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"max_instructions", "wfi", "pc", "hlt"};
    struct fields f;
    struct scenario *s = c->s;
    if (want_map(c, n, "stop") || get_fields(c, n, "stop", keys, 4, &f))
        return -1;
    if (f.v[0] && get_range(c, f.v[0], "max_instructions", 1, UINT64_MAX, &s->max_instructions))
        return -1;
    if (f.v[1] && f.v[3]) {
        const struct ynode *a = f.k[1], *b = f.k[3];
        const struct ynode *later = (a->line > b->line || (a->line == b->line && a->col > b->col)) ? a : b;
        return fail_at(c, later, "stop has both 'wfi' and 'hlt' (arm64 waits with WFI, x86-64 with HLT)");
    }
    /* wfi (arm64) and hlt (x86-64) are one switch: the vCPU waits with nothing to wake it */
    for (int i = 1; i <= 3; i += 2) {
        if (!f.v[i])
            continue;
        if (get_bool(c, f.v[i], keys[i], &s->stop_on_wfi))
            return -1;
        c->stop_key = keys[i];
        c->stop_key_loc = loc_of(f.k[i]);
    }
    if (f.v[2]) {
        if (get_u64(c, f.v[2], "pc", &s->stop_pc))
            return -1;
        s->has_stop_pc = true;
    }
    return 0;
}

static int apply_faults(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"pc", "address", "size", "dir", "data", "device"};
    static const char *const dirs[] = {"read", "write"};
    struct scenario *s = c->s;
    if (want_seq(c, n, "faults"))
        return -1;
    s->has_expect_faults = true;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *e = n->kids[i];
        char where[48];
        struct fields f;
        if (list_entry(c, e, "expect.faults", i, keys, 6, where, sizeof where, &f))
            return -1;
        if (s->nfaults == SCN_MAX_FAULTS)
            return fail_at(c, e, "too many faults (max %d)", SCN_MAX_FAULTS);
        struct scn_fault *ft = &s->faults[s->nfaults];
        memset(ft, 0, sizeof *ft);
        ft->loc = loc_of(e);
        if (f.v[0]) {
            if (get_u64(c, f.v[0], "pc", &ft->pc))
                return -1;
            ft->has_pc = true;
        }
        if (f.v[1]) {
            if (get_u64(c, f.v[1], "address", &ft->address))
                return -1;
            ft->has_address = true;
        }
        if (f.v[2]) {
            if (get_access_size(c, f.v[2], "size", &ft->size))
                return -1;
            ft->has_size = true;
        }
        if (f.v[3]) {
            size_t dir;
            if (get_enum(c, f.v[3], "dir", "direction", dirs, 2, "read or write", &dir))
                return -1;
            ft->dir = (uint8_t)(dir + 1);
        }
        if (f.v[4]) {
            if (get_u64(c, f.v[4], "data", &ft->data))
                return -1;
            ft->has_data = true;
        }
        if (f.v[5]) {
            if (get_name(c, f.v[5], "device", ft->device))
                return -1;
            c->fault_devloc[s->nfaults] = loc_of(f.v[5]);
        }
        s->nfaults++;
    }
    return 0;
}

static int apply_expect_memory(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"address", "bytes"};
    struct scenario *s = c->s;
    if (want_seq(c, n, "memory"))
        return -1;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *e = n->kids[i];
        char where[48];
        struct fields f;
        if (list_entry(c, e, "expect.memory", i, keys, 2, where, sizeof where, &f))
            return -1;
        if (s->nexpect_mem == SCN_MAX_MEMORY)
            return fail_at(c, e, "too many memory expectations (max %d)", SCN_MAX_MEMORY);
        if (!f.v[0])
            return fail_at(c, e, "memory entry needs 'address'");
        if (!f.v[1])
            return fail_at(c, e, "memory entry needs 'bytes'");
        struct scn_mem *m = &s->expect_mem[s->nexpect_mem];
        memset(m, 0, sizeof *m);
        if (get_u64(c, f.v[0], "address", &m->address) ||
            get_hex(c, f.v[1], "bytes", NULL, m->bytes, SCN_MAX_BYTES, &m->len))
            return -1;
        if (m->len - 1 > UINT64_MAX - m->address)
            return fail_at(c, e, "memory entry wraps around the end of the address space");
        m->loc = loc_of(e);
        s->nexpect_mem++;
    }
    return 0;
}

static int apply_expect_devices(struct ctx *c, const struct ynode *n)
{
    struct scenario *s = c->s;
    struct kvs outer;
    if (want_map(c, n, "devices") || flatten(c, n, &outer, 0))
        return -1;
    if (outer.n > SCN_MAX_DEVICES)
        return fail_at(c, outer.a[SCN_MAX_DEVICES].k, "too many devices in expect.devices (max %d)", SCN_MAX_DEVICES);
    for (size_t i = 0; i < outer.n; i++) {
        char dev[32];
        struct kvs inner;
        if (get_name(c, outer.a[i].k, "device", dev))
            return -1;
        const struct ynode *m = outer.a[i].v;
        if (m->kind != YK_MAP)
            return fail_at(c, m, "expect.devices.%s must be a mapping, not %s", dev, kind_desc(m));
        if (flatten(c, m, &inner, 0))
            return -1;
        for (size_t j = 0; j < inner.n; j++) {
            char reg[32];
            uint64_t v;
            if (get_name(c, inner.a[j].k, "register", reg) || get_u64(c, inner.a[j].v, reg, &v))
                return -1;
            size_t x;
            for (x = 0; x < s->nexpect_dev; x++)
                if (!strcmp(s->expect_dev[x].device, dev) && !strcmp(s->expect_dev[x].reg, reg))
                    break;
            if (x == s->nexpect_dev) {
                if (x == SCN_MAX_DEVEXPECT)
                    return fail_at(c, inner.a[j].k, "too many device expectations (max %d)", SCN_MAX_DEVEXPECT);
                s->nexpect_dev++;
            }
            struct scn_devexpect *de = &s->expect_dev[x];
            memcpy(de->device, dev, sizeof dev);
            memcpy(de->reg, reg, sizeof reg);
            de->value = v;
            de->loc = loc_of(inner.a[j].k);
            c->devexp_devloc[x] = loc_of(outer.a[i].k);
        }
    }
    return 0;
}

enum { X_KIND, X_RIP, X_PORT, X_DIR, X_SIZE, X_VALUE, X_MSR, X_LEAF, X_SUBLEAF, X_NR, X_ARGS, X_DEVICE, X_NKEYS };

static int get_u32(struct ctx *c, const struct ynode *n, const char *key, uint32_t *out)
{
    uint64_t v;
    if (get_range(c, n, key, 0, UINT32_MAX, &v))
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* expect.exits: x86-64 exits in order, each any subset of the fields; a field
 * that belongs to another kind than the one given is an error. */
static int apply_xexits(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"kind", "rip",  "port",    "dir", "size", "value",
                                       "msr",  "leaf", "subleaf", "nr",  "args", "device"};
    static const char *const kinds[] = {"inout", "cpuid", "rdmsr", "wrmsr", "vmcall", "invd", "hlt"};
    static const uint8_t kind_code[] = {SCN_XK_INOUT,  SCN_XK_CPUID, SCN_XK_RDMSR, SCN_XK_WRMSR,
                                        SCN_XK_VMCALL, SCN_XK_INVD,  SCN_XK_HLT};
    static const char *const dirs[] = {"in", "out"};
    /* the kinds each kind-specific field belongs to */
    static const struct {
        int key;
        uint8_t k1, k2;
        const char *kinds;
    } only[] = {
        {X_PORT, SCN_XK_INOUT, 0, "inout"},
        {X_DIR, SCN_XK_INOUT, 0, "inout"},
        {X_SIZE, SCN_XK_INOUT, 0, "inout"},
        {X_DEVICE, SCN_XK_INOUT, 0, "inout"},
        {X_MSR, SCN_XK_RDMSR, SCN_XK_WRMSR, "rdmsr and wrmsr"},
        {X_LEAF, SCN_XK_CPUID, 0, "cpuid"},
        {X_SUBLEAF, SCN_XK_CPUID, 0, "cpuid"},
        {X_NR, SCN_XK_VMCALL, 0, "vmcall"},
        {X_ARGS, SCN_XK_VMCALL, 0, "vmcall"},
    };
    struct scenario *s = c->s;
    if (want_seq(c, n, "exits"))
        return -1;
    s->has_expect_xexits = true;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *e = n->kids[i];
        char where[48];
        struct fields f;
        if (list_entry(c, e, "expect.exits", i, keys, X_NKEYS, where, sizeof where, &f))
            return -1;
        if (s->nxexits == SCN_MAX_XEXITS)
            return fail_at(c, e, "too many exits (max %d)", SCN_MAX_XEXITS);
        struct scn_xexit *x = &s->xexits[s->nxexits];
        memset(x, 0, sizeof *x);
        x->loc = loc_of(e);
        if (f.v[X_KIND]) {
            size_t k;
            if (get_enum(c, f.v[X_KIND], "kind", "exit kind", kinds, 7,
                         "inout, cpuid, rdmsr, wrmsr, vmcall, invd or hlt", &k))
                return -1;
            x->kind = kind_code[k];
            for (size_t j = 0; j < sizeof only / sizeof only[0]; j++)
                if (f.v[only[j].key] && x->kind != only[j].k1 && x->kind != only[j].k2)
                    return fail_at(c, f.k[only[j].key], "'%s' is only valid for kind %s", keys[only[j].key],
                                   only[j].kinds);
        }
        uint64_t v;
        if (f.v[X_RIP]) {
            if (get_u64(c, f.v[X_RIP], "rip", &x->rip))
                return -1;
            x->has_rip = true;
        }
        if (f.v[X_PORT]) {
            if (get_range(c, f.v[X_PORT], "port", 0, 0xffff, &v))
                return -1;
            x->port = (uint16_t)v;
            x->has_port = true;
        }
        if (f.v[X_DIR]) {
            size_t d;
            if (get_enum(c, f.v[X_DIR], "dir", "direction", dirs, 2, "in or out", &d))
                return -1;
            x->dir = (uint8_t)(d + 1);
        }
        if (f.v[X_SIZE]) {
            if (get_u64(c, f.v[X_SIZE], "size", &v))
                return -1;
            if (v != 1 && v != 2 && v != 4)
                return fail_at(c, f.v[X_SIZE], "'size' must be 1, 2 or 4 (an IN or OUT moves at most 4 bytes)");
            x->size = (uint8_t)v;
            x->has_size = true;
        }
        if (f.v[X_VALUE]) {
            if (get_u64(c, f.v[X_VALUE], "value", &x->value))
                return -1;
            x->has_value = true;
        }
        if (f.v[X_MSR]) {
            if (get_u32(c, f.v[X_MSR], "msr", &x->msr))
                return -1;
            x->has_msr = true;
        }
        if (f.v[X_LEAF]) {
            if (get_u32(c, f.v[X_LEAF], "leaf", &x->leaf))
                return -1;
            x->has_leaf = true;
        }
        if (f.v[X_SUBLEAF]) {
            if (get_u32(c, f.v[X_SUBLEAF], "subleaf", &x->subleaf))
                return -1;
            x->has_subleaf = true;
        }
        if (f.v[X_NR]) {
            if (get_u64(c, f.v[X_NR], "nr", &x->nr))
                return -1;
            x->has_nr = true;
        }
        if (f.v[X_ARGS]) {
            const struct ynode *a = f.v[X_ARGS];
            if (want_seq(c, a, "args"))
                return -1;
            if (a->n == 0 || a->n > 4)
                return fail_at(c, a, "'args' must list 1 to 4 values (RBX, RCX, RDX, RSI)");
            for (size_t j = 0; j < a->n; j++)
                if (visit(c, a->kids[j]) || get_u64(c, a->kids[j], "args", &x->args[j]))
                    return -1;
            x->nargs = (uint8_t)a->n;
        }
        if (f.v[X_DEVICE]) {
            if (get_name(c, f.v[X_DEVICE], "device", x->device))
                return -1;
            c->xexit_devloc[s->nxexits] = loc_of(f.v[X_DEVICE]);
        }
        s->nxexits++;
    }
    return 0;
}

enum {
    E_EXIT,
    E_STATUS,
    E_FAULTS,
    E_FAULTS_EXACT,
    E_REGISTERS,
    E_MEMORY,
    E_DEVICES,
    E_UART,
    E_EXITS,
    E_EXITS_EXACT,
    E_NKEYS
};

static int apply_expect(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"exit",   "status",  "faults", "faults_exact", "registers",
                                       "memory", "devices", "uart",   "exits",        "exits_exact"};
    static const char *const exits[] = {"wfi",    "hlt",   "halt", "test-exit", "pc",
                                        "budget", "error", "stop", "poweroff",  "reset"};
    struct fields f;
    struct scenario *s = c->s;
    if (want_map(c, n, "expect") || get_fields(c, n, "expect", keys, E_NKEYS, &f))
        return -1;
    s->expect_loc = loc_of(n);
    if (f.v[E_EXIT]) {
        size_t e;
        if (get_enum(c, f.v[E_EXIT], "exit", "exit", exits, 10,
                     "wfi, hlt, halt, test-exit, pc, budget, error, stop, poweroff or reset", &e))
            return -1;
        memset(s->expect_exit, 0, sizeof s->expect_exit);
        memcpy(s->expect_exit, exits[e], strlen(exits[e]));
        s->has_expect_exit = true;
        c->exit_loc = loc_of(f.v[E_EXIT]);
    }
    if (f.v[E_EXITS]) {
        c->has_xexits = true;
        c->xexits_loc = loc_of(f.k[E_EXITS]);
        if (apply_xexits(c, f.v[E_EXITS]))
            return -1;
    }
    if (f.v[E_EXITS_EXACT] && get_bool(c, f.v[E_EXITS_EXACT], "exits_exact", &s->xexits_exact))
        return -1;
    if (f.v[E_STATUS]) {
        uint64_t v;
        if (get_range(c, f.v[E_STATUS], "status", 0, UINT32_MAX, &v))
            return -1;
        s->expect_status = (uint32_t)v;
        s->has_expect_status = true;
    }
    if (f.v[E_FAULTS] && apply_faults(c, f.v[E_FAULTS]))
        return -1;
    if (f.v[E_FAULTS_EXACT] && get_bool(c, f.v[E_FAULTS_EXACT], "faults_exact", &s->faults_exact))
        return -1;
    if (f.v[E_REGISTERS] && apply_regs(c, f.v[E_REGISTERS], "registers", s->expect_regs, &s->nexpect_regs, 1))
        return -1;
    if (f.v[E_MEMORY] && apply_expect_memory(c, f.v[E_MEMORY]))
        return -1;
    if (f.v[E_DEVICES] && apply_expect_devices(c, f.v[E_DEVICES]))
        return -1;
    if (f.v[E_UART]) {
        if (get_str(c, f.v[E_UART], "uart", s->expect_uart, sizeof s->expect_uart, NULL))
            return -1;
        s->has_expect_uart = true;
    }
    return 0;
}

/* ---- files and includes ------------------------------------------------------------- */

/* Read a regular file of at most LD_MAX_INPUT bytes.  On failure a message in
 * msg.  Opened non-blocking and checked before reading, so a FIFO or a device
 * named as an include cannot block or feed the loader forever. */
static unsigned char *read_file(const char *path, size_t *len, struct stat *st, char *msg, size_t msglen)
{
    char eb[128];
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, msglen, "%s", errno_str(errno, eb, sizeof eb));
        return NULL;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        snprintf(msg, msglen, "not a regular file");
        close(fd);
        return NULL;
    }
    if (st->st_size < 0 || (uint64_t)st->st_size > LD_MAX_INPUT) {
        snprintf(msg, msglen, "file too large (max %zu MiB)", LD_MAX_INPUT >> 20);
        close(fd);
        return NULL;
    }
    /* The size can change under us: read at most one byte more than allowed. */
    size_t cap = (size_t)st->st_size + 1, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        snprintf(msg, msglen, "out of memory");
        close(fd);
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            if (cap > LD_MAX_INPUT)
                break;
            size_t ncap = cap * 2 > LD_MAX_INPUT + 1 ? LD_MAX_INPUT + 1 : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                close(fd);
                snprintf(msg, msglen, "out of memory");
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            snprintf(msg, msglen, "%s", errno_str(e, eb, sizeof eb));
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > LD_MAX_INPUT) {
        free(buf);
        snprintf(msg, msglen, "file too large (max %zu MiB)", LD_MAX_INPUT >> 20);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Parse and apply one file's bytes; file is its index in scenario.files. */
static int load_bytes(struct ctx *c, const unsigned char *buf, size_t len, uint8_t file, int depth)
{
    struct ynode *root;
    if (len > LD_MAX_INPUT)
        return failp(c, file, 0, 0, "file too large (max %zu MiB)", LD_MAX_INPUT >> 20);
    if (parse_yaml(c, buf, len, file, &root))
        return -1;
    if (depth == 0) {
        struct scn_loc top = {file, 1, 1};
        c->top_loc = root ? loc_of(root) : top;
    }
    return apply_doc(c, root, file, depth);
}

static int do_include(struct ctx *c, const struct ynode *n, uint8_t from, int depth)
{
    struct scenario *s = c->s;
    char path[SCN_PATH_MAX], msg[160];
    if (want_string(c, n, "include"))
        return -1;
    if (n->len == 0 || memchr(n->str, '\0', n->len))
        return fail_at(c, n, "'include' must be a file name");
    if (depth + 1 > LD_MAX_INCLUDE_DEPTH)
        return fail_at(c, n, "includes nest too deep (max %d levels)", LD_MAX_INCLUDE_DEPTH);
    if (resolve_path(s->files[from], n->str, path))
        return fail_at(c, n, "include path is too long (max %d bytes)", SCN_PATH_MAX - 1);
    struct shown sh = show_path(path);
    struct stat st;
    size_t len = 0;
    unsigned char *buf = read_file(path, &len, &st, msg, sizeof msg);
    if (!buf)
        return fail_at(c, n, "cannot read include '%s': %s", sh.s, msg);
    for (size_t i = 0; i < c->nchain; i++)
        if (c->chain[i].valid && c->chain[i].dev == st.st_dev && c->chain[i].ino == st.st_ino) {
            free(buf);
            return fail_at(c, n, "include cycle: '%s' is already being loaded", sh.s);
        }
    size_t idx;
    for (idx = 0; idx < s->nfiles; idx++)
        if (!strcmp(s->files[idx], path))
            break;
    if (idx == s->nfiles) {
        if (s->nfiles == SCN_MAX_FILES) {
            free(buf);
            return fail_at(c, n, "too many files (max %d, the scenario and its includes)", SCN_MAX_FILES);
        }
        memcpy(s->files[s->nfiles++], path, strlen(path) + 1);
    }
    c->chain[c->nchain].valid = true;
    c->chain[c->nchain].dev = st.st_dev;
    c->chain[c->nchain].ino = st.st_ino;
    c->nchain++;
    struct amark mark = amark(c);
    int rc = load_bytes(c, buf, len, (uint8_t)idx, depth + 1);
    arelease(c, mark);
    c->nchain--;
    free(buf);
    return rc;
}

/* ---- x86: the x86-64 VMM's tables and port devices ------------------------------------ */

static int apply_cpuid(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"leaf", "subleaf", "eax", "ebx", "ecx", "edx"};
    struct scenario *s = c->s;
    if (want_seq(c, n, "cpuid"))
        return -1;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *e = n->kids[i];
        char where[48];
        struct fields f;
        if (list_entry(c, e, "x86.cpuid", i, keys, 6, where, sizeof where, &f))
            return -1;
        if (!f.v[0])
            return fail_at(c, e, "cpuid entry needs 'leaf'");
        struct scn_cpuid cp;
        memset(&cp, 0, sizeof cp);
        cp.subleaf = UINT32_MAX;
        cp.loc = loc_of(e);
        if (get_u32(c, f.v[0], "leaf", &cp.leaf))
            return -1;
        if (f.v[1]) {
            if (get_u32(c, f.v[1], "subleaf", &cp.subleaf))
                return -1;
            if (cp.subleaf == UINT32_MAX)
                return fail_at(c, f.v[1], "subleaf 0xffffffff is reserved (leave 'subleaf' out for any subleaf)");
        }
        for (int r = 0; r < 4; r++)
            if (f.v[2 + r] && get_u32(c, f.v[2 + r], keys[2 + r], &cp.regs[r]))
                return -1;
        size_t j;
        for (j = 0; j < s->x86.ncpuid; j++) /* an entry given again (an include's) is replaced */
            if (s->x86.cpuid[j].leaf == cp.leaf && s->x86.cpuid[j].subleaf == cp.subleaf)
                break;
        if (j == s->x86.ncpuid) {
            if (s->x86.ncpuid == SCN_MAX_CPUID)
                return fail_at(c, e, "too many cpuid entries (max %d)", SCN_MAX_CPUID);
            s->x86.ncpuid++;
        }
        s->x86.cpuid[j] = cp;
    }
    return 0;
}

static int apply_msrs(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"msr", "value"};
    struct scenario *s = c->s;
    if (want_seq(c, n, "msrs"))
        return -1;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *e = n->kids[i];
        char where[48];
        struct fields f;
        if (list_entry(c, e, "x86.msrs", i, keys, 2, where, sizeof where, &f))
            return -1;
        if (!f.v[0])
            return fail_at(c, e, "msr entry needs 'msr'");
        if (!f.v[1])
            return fail_at(c, e, "msr entry needs 'value'");
        struct scn_msr m;
        memset(&m, 0, sizeof m);
        m.loc = loc_of(e);
        if (get_u32(c, f.v[0], "msr", &m.msr) || get_u64(c, f.v[1], "value", &m.value))
            return -1;
        /* the CPU holds these itself: a preset would be ignored or change the mode */
        static const uint32_t cpu_msrs[] = {0x10, 0xc0000080, 0xc0000100, 0xc0000101};
        static const char *const cpu_names[] = {"IA32_TSC (virtual time)", "EFER", "FS.base", "GS.base"};
        for (size_t k = 0; k < 4; k++)
            if (m.msr == cpu_msrs[k])
                return fail_at(c, f.v[0], "MSR 0x%" PRIx32 " is %s: the CPU holds it, it cannot be preset", m.msr,
                               cpu_names[k]);
        size_t j;
        for (j = 0; j < s->x86.nmsrs; j++)
            if (s->x86.msrs[j].msr == m.msr)
                break;
        if (j == s->x86.nmsrs) {
            if (s->x86.nmsrs == SCN_MAX_MSRS)
                return fail_at(c, e, "too many msrs (max %d)", SCN_MAX_MSRS);
            s->x86.nmsrs++;
        }
        s->x86.msrs[j] = m;
    }
    return 0;
}

static int apply_vmcalls(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"nr", "return", "log", "exit"};
    static const char *const argregs[] = {"rbx", "rcx", "rdx", "rsi"};
    struct scenario *s = c->s;
    if (want_seq(c, n, "vmcalls"))
        return -1;
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *e = n->kids[i];
        char where[48];
        struct fields f;
        if (list_entry(c, e, "x86.vmcalls", i, keys, 4, where, sizeof where, &f))
            return -1;
        if (!f.v[0])
            return fail_at(c, e, "vmcall entry needs 'nr' (the call number the guest puts in RAX)");
        struct scn_vmcall vc;
        memset(&vc, 0, sizeof vc);
        vc.loc = loc_of(e);
        if (get_u64(c, f.v[0], "nr", &vc.nr))
            return -1;
        if (f.v[1]) {
            const struct ynode *r = f.v[1];
            size_t k;
            for (k = 0; k < 4; k++)
                if (r->kind == YK_SCALAR && str_is(r, argregs[k]))
                    break;
            if (k < 4)
                vc.ret = (uint8_t)(SCN_VMCALL_RET_RBX + k);
            else if (r->kind != YK_SCALAR || !r->plain || is_null(r) || parse_u64(r->str, r->len, &vc.value) != 0) {
                struct shown sh = show(r);
                return fail_at(c, r, "'return' must be a number or an argument register (rbx, rcx, rdx, rsi), not '%s'",
                               sh.s);
            }
        }
        if (f.v[2] && get_bool(c, f.v[2], "log", &vc.log))
            return -1;
        if (f.v[3] && get_bool(c, f.v[3], "exit", &vc.exit))
            return -1;
        if (!f.v[1] && !vc.log && !vc.exit)
            return fail_at(c, e, "vmcall %" PRIu64 " needs a behaviour: 'return', 'log: true' or 'exit: true'", vc.nr);
        if (vc.exit && f.v[1])
            return fail_at(c, f.k[1], "vmcall %" PRIu64 " ends the run ('exit: true'): it returns nothing", vc.nr);
        for (size_t j = 0; j < s->x86.nvmcalls; j++)
            if (s->x86.vmcalls[j].nr == vc.nr) {
                char at[SCN_PATH_MAX + 32];
                return fail_at(c, f.v[0], "duplicate vmcall %" PRIu64 " (first at %s)", vc.nr,
                               scn_loc_str(s, s->x86.vmcalls[j].loc, at, sizeof at));
            }
        if (s->x86.nvmcalls == SCN_MAX_VMCALLS)
            return fail_at(c, e, "too many vmcalls (max %d)", SCN_MAX_VMCALLS);
        s->x86.vmcalls[s->x86.nvmcalls++] = vc;
    }
    return 0;
}

enum { P_NAME, P_MODEL, P_FIRST, P_LAST, P_REGISTERS, P_UNLISTED, P_INPUT, P_NKEYS };

/* x86.ports[i]: a device on the I/O-port bus, kept with the MMIO devices
 * (one name space, one index in traces) with port = true. */
static int apply_port(struct ctx *c, const struct ynode *n, size_t idx)
{
    static const char *const keys[] = {"name", "model", "first", "last", "registers", "unlisted", "input"};
    static const char *const models[] = {"regfile", "uart8250", "debug-exit", "reset-control", "acpi-pm"};
    static const uint8_t model_of[] = {SCN_MODEL_REGFILE, SCN_MODEL_UART8250, SCN_MODEL_DEBUG_EXIT,
                                       SCN_MODEL_RESET_CONTROL, SCN_MODEL_ACPI_PM};
    static const char *const policies[] = {"zero", "error", "stop"};
    char where[48];
    struct fields f;
    snprintf(where, sizeof where, "x86.ports[%zu]", idx);
    if (n->kind != YK_MAP)
        return fail_at(c, n, "%s must be a mapping, not %s", where, kind_desc(n));
    if (get_fields(c, n, where, keys, P_NKEYS, &f))
        return -1;
    struct scenario *s = c->s;
    if (s->ndevices == SCN_MAX_DEVICES)
        return fail_at(c, n, "too many devices (max %d, memory and port devices together)", SCN_MAX_DEVICES);
    struct scn_device *d = &s->devices[s->ndevices];
    memset(d, 0, sizeof *d);
    d->loc = loc_of(n);
    d->port = true;
    d->irq = -1;
    if (!f.v[P_NAME])
        return fail_at(c, n, "port device needs 'name'");
    if (!f.v[P_MODEL])
        return fail_at(c, n, "port device needs 'model'");
    if (!f.v[P_FIRST])
        return fail_at(c, n, "port device needs 'first' (its first port)");
    if (get_name(c, f.v[P_NAME], "device name", d->name))
        return -1;
    for (size_t i = 0; i < s->ndevices; i++)
        if (!strcmp(s->devices[i].name, d->name)) {
            char at[SCN_PATH_MAX + 32];
            return fail_at(c, f.v[P_NAME], "duplicate device name '%s' (first at %s)", d->name,
                           scn_loc_str(s, s->devices[i].loc, at, sizeof at));
        }
    size_t model;
    if (get_enum(c, f.v[P_MODEL], "model", "port device model", models, 5,
                 "regfile, uart8250, debug-exit, reset-control or acpi-pm", &model))
        return -1;
    d->model = model_of[model];
    if ((f.v[P_REGISTERS] || f.v[P_UNLISTED]) && d->model != SCN_MODEL_REGFILE)
        return fail_at(c, f.k[f.v[P_REGISTERS] ? P_REGISTERS : P_UNLISTED], "'%s' is only valid for model regfile",
                       keys[f.v[P_REGISTERS] ? P_REGISTERS : P_UNLISTED]);
    if (f.v[P_INPUT] && d->model != SCN_MODEL_UART8250)
        return fail_at(c, f.k[P_INPUT], "'input' is only valid for model uart8250");
    uint64_t first, last;
    if (get_range(c, f.v[P_FIRST], "first", 0, 0xffff, &first))
        return -1;
    if (f.v[P_LAST]) {
        if (get_range(c, f.v[P_LAST], "last", 0, 0xffff, &last))
            return -1;
        if (last < first)
            return fail_at(c, f.v[P_LAST], "'last' (0x%" PRIx64 ") is below 'first' (0x%" PRIx64 ")", last, first);
    } else {
        /* a 16550's eight registers; QEMU's isa-debug-exit,iosize=4; one byte of reset control;
         * the 2-byte PM1a_CNT; a regfile: its registers */
        last = d->model == SCN_MODEL_UART8250        ? first + 7
               : d->model == SCN_MODEL_DEBUG_EXIT    ? first + 3
               : d->model == SCN_MODEL_RESET_CONTROL ? first
               : d->model == SCN_MODEL_ACPI_PM       ? first + 1
                                                     : 0xffff;
        if (last > 0xffff)
            return fail_at(c, f.v[P_FIRST], "%s at port 0x%" PRIx64 " runs past port 0xffff", models[model], first);
    }
    d->base = first;
    d->size = last - first + 1;
    if (f.v[P_INPUT] && get_str(c, f.v[P_INPUT], "input", d->uart_input, sizeof d->uart_input, &d->uart_input_len))
        return -1;
    if (d->model == SCN_MODEL_REGFILE) {
        size_t policy = 0;
        if (f.v[P_UNLISTED]) {
            if (get_enum(c, f.v[P_UNLISTED], "unlisted", "unlisted policy", policies, 3, "zero, error or stop",
                         &policy))
                return -1;
            d->regfile.unlisted = (uint8_t)policy;
        }
        const struct ynode *regs = f.v[P_REGISTERS];
        if (regs) {
            if (want_seq(c, regs, "registers"))
                return -1;
            for (size_t i = 0; i < regs->n; i++)
                if (visit(c, regs->kids[i]) || apply_register(c, regs->kids[i], where, i, d))
                    return -1;
        }
        if (!f.v[P_LAST]) { /* just the ports its registers cover (at least one) */
            uint64_t end = 1;
            for (size_t i = 0; i < d->regfile.nregs; i++)
                if (d->regfile.regs[i].offset + d->regfile.regs[i].size > end)
                    end = d->regfile.regs[i].offset + d->regfile.regs[i].size;
            d->size = end;
        }
        char msg[200];
        if (vmf_regfile_check(&d->regfile, msg, sizeof msg) != 0) {
            msg[sizeof msg - 1] = '\0';
            return fail_at(c, regs ? regs : n, "registers: %s", msg);
        }
    }
    for (size_t i = 0; i < s->ndevices; i++) {
        const struct scn_device *o = &s->devices[i];
        if (o->port && d->base < o->base + o->size && o->base < d->base + d->size) {
            char at[SCN_PATH_MAX + 32];
            return fail_at(c, n,
                           "ports [0x%" PRIx64 ", 0x%" PRIx64 "] of '%s' overlap '%s' [0x%" PRIx64 ", 0x%" PRIx64
                           "] (at %s)",
                           d->base, d->base + d->size - 1, d->name, o->name, o->base, o->base + o->size - 1,
                           scn_loc_str(s, o->loc, at, sizeof at));
        }
    }
    s->ndevices++;
    return 0;
}

/* x86: {cpuid: [...], msrs: [...], vmcalls: [...], ports: [...], unhandled: error|ignore} */
static int apply_x86(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"cpuid", "msrs", "vmcalls", "ports", "unhandled"};
    static const char *const policies[] = {"error", "ignore"};
    struct scenario *s = c->s;
    struct fields f;
    if (want_map(c, n, "x86") || get_fields(c, n, "x86", keys, 5, &f))
        return -1;
    if (f.v[0] && apply_cpuid(c, f.v[0]))
        return -1;
    if (f.v[1] && apply_msrs(c, f.v[1]))
        return -1;
    if (f.v[2] && apply_vmcalls(c, f.v[2]))
        return -1;
    if (f.v[3]) {
        if (want_seq(c, f.v[3], "ports"))
            return -1;
        for (size_t i = 0; i < f.v[3]->n; i++)
            if (visit(c, f.v[3]->kids[i]) || apply_port(c, f.v[3]->kids[i], i))
                return -1;
    }
    if (f.v[4]) {
        size_t p;
        if (get_enum(c, f.v[4], "unhandled", "unhandled policy", policies, 2, "error or ignore", &p))
            return -1;
        s->x86.unhandled_ignore = p == 1;
    }
    return 0;
}

enum {
    T_INCLUDE,
    T_NAME,
    T_DESCRIPTION,
    T_ARCH,
    T_CPUS,
    T_MEMORY,
    T_GUEST,
    T_REGISTERS,
    T_EVENTS,
    T_STOP,
    T_EXPECT,
    T_PLATFORM,
    T_X86,
    T_NKEYS
};

/* platform: {exceptions: exit|deliver, psci: none|hvc|smc, dtb: bool, dtb_address, bootargs, quantum} */
static int apply_platform(struct ctx *c, const struct ynode *n)
{
    static const char *const keys[] = {"exceptions", "psci", "dtb", "dtb_address", "bootargs", "quantum"};
    static const char *const excs[] = {"exit", "deliver"};
    static const char *const conduits[] = {"none", "hvc", "smc"};
    struct scenario *s = c->s;
    struct fields f;
    if (want_map(c, n, "platform") || get_fields(c, n, "platform", keys, 6, &f))
        return -1;
    size_t e;
    s->platform.loc = loc_of(n);
    if (f.v[0]) {
        if (get_enum(c, f.v[0], "exceptions", "exception mode", excs, 2, "exit or deliver", &e))
            return -1;
        s->platform.exceptions = (uint8_t)e;
    }
    if (f.v[1]) {
        if (get_enum(c, f.v[1], "psci", "PSCI conduit", conduits, 3, "none, hvc or smc", &e))
            return -1;
        s->platform.psci = (uint8_t)e;
    }
    if (f.v[2] && get_bool(c, f.v[2], "dtb", &s->platform.dtb))
        return -1;
    /* what only an arm64 board has (checked against the arch in stage 3) */
    for (int i = 0; i < 5 && !c->plat_arm_key; i++)
        if (f.v[i] && (i != 0 || s->platform.exceptions) && (i != 1 || s->platform.psci) &&
            (i != 2 || s->platform.dtb)) {
            c->plat_arm_key = keys[i];
            c->plat_arm_loc = loc_of(f.k[i]);
        }
    if (f.v[3] && get_u64(c, f.v[3], "dtb_address", &s->platform.dtb_address))
        return -1;
    if (f.v[4] && get_str(c, f.v[4], "bootargs", s->platform.bootargs, sizeof s->platform.bootargs, NULL))
        return -1;
    if (f.v[5] && get_range(c, f.v[5], "quantum", 1, 100000000, &s->platform.quantum))
        return -1;
    return 0;
}

static int apply_doc(struct ctx *c, const struct ynode *root, uint8_t file, int depth)
{
    static const char *const keys[] = {"include",   "name",   "description", "arch",   "cpus",     "memory", "guest",
                                       "registers", "events", "stop",        "expect", "platform", "x86"};
    static const char *const arches[] = {"arm64", "aarch64", "x86-64", "x86_64"};
    struct scenario *s = c->s;
    struct fields f;
    if (!root || is_null(root))
        return 0; /* empty file */
    if (root->kind != YK_MAP)
        return fail_at(c, root, "a scenario must be a mapping, not %s", kind_desc(root));
    if (get_fields(c, root, NULL, keys, T_NKEYS, &f))
        return -1;
    const struct ynode *inc = f.v[T_INCLUDE];
    if (inc) {
        if (inc->kind == YK_SEQ) {
            for (size_t i = 0; i < inc->n; i++)
                if (visit(c, inc->kids[i]) || do_include(c, inc->kids[i], file, depth))
                    return -1;
        } else if (inc->kind == YK_SCALAR && !is_null(inc)) {
            if (do_include(c, inc, file, depth))
                return -1;
        } else {
            return fail_at(c, inc, "'include' must be a string or a sequence of strings, not %s", kind_desc(inc));
        }
    }
    if (f.v[T_NAME]) {
        if (get_str(c, f.v[T_NAME], "name", s->name, sizeof s->name, NULL))
            return -1;
        if (s->name[0] == '\0')
            return fail_at(c, f.v[T_NAME], "'name' must not be empty");
        c->has_name = true;
    }
    if (f.v[T_DESCRIPTION] &&
        get_str(c, f.v[T_DESCRIPTION], "description", s->description, sizeof s->description, NULL))
        return -1;
    if (f.v[T_ARCH]) {
        size_t a;
        if (get_enum(c, f.v[T_ARCH], "arch", "arch", arches, 4, "arm64 or x86-64", &a))
            return -1;
        uint8_t arch = a < 2 ? SCN_ARCH_ARM64 : SCN_ARCH_X86_64;
        if (c->has_arch && arch != s->arch) {
            char at[SCN_PATH_MAX + 32];
            return fail_at(c, f.v[T_ARCH], "arch %s conflicts with %s set at %s", arches[a],
                           s->arch == SCN_ARCH_X86_64 ? "x86-64" : "arm64", scn_loc_str(s, c->arch_loc, at, sizeof at));
        }
        s->arch = arch;
        c->has_arch = true;
        c->arch_loc = loc_of(f.v[T_ARCH]);
    }
    if (f.v[T_CPUS]) {
        uint64_t v;
        if (get_range(c, f.v[T_CPUS], "cpus", 1, 8, &v))
            return -1;
        s->cpus = (uint32_t)v;
        c->has_cpus = true;
        c->cpus_loc = loc_of(f.v[T_CPUS]);
    }
    if (f.v[T_MEMORY] && apply_memory(c, f.v[T_MEMORY]))
        return -1;
    if (f.v[T_GUEST] && apply_guest(c, f.v[T_GUEST]))
        return -1;
    if (f.v[T_REGISTERS] && apply_regs(c, f.v[T_REGISTERS], "registers", s->regs, &s->nregs, 0))
        return -1;
    if (f.v[T_EVENTS] && apply_events(c, f.v[T_EVENTS]))
        return -1;
    if (f.v[T_STOP] && apply_stop(c, f.v[T_STOP]))
        return -1;
    if (f.v[T_EXPECT] && apply_expect(c, f.v[T_EXPECT]))
        return -1;
    if (f.v[T_PLATFORM] && apply_platform(c, f.v[T_PLATFORM]))
        return -1;
    if (f.v[T_X86]) {
        if (!s->x86.present) {
            s->x86.present = true;
            s->x86.loc = loc_of(f.k[T_X86]);
        }
        if (apply_x86(c, f.v[T_X86]))
            return -1;
    }
    return 0;
}

/* ---- stage 3: whole-scenario checks and defaults ---------------------------------------- */

static const struct scn_device *find_device(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->ndevices; i++)
        if (!strcmp(s->devices[i].name, name))
            return &s->devices[i];
    return NULL;
}

/* Registers named before the arch was known; a register given twice keeps its later value. */
static int resolve_regs(struct ctx *c, struct scn_reg *regs, size_t *nregs, int which)
{
    struct scenario *s = c->s;
    for (size_t i = 0; i < *nregs; i++) {
        if (!c->reg_pending[which][i])
            continue;
        const char *name = c->regname[which][i];
        struct ynode k = {.kind = YK_SCALAR, .str = name, .len = strlen(name)};
        int r = reg_number(s->arch, &k);
        if (r < 0) {
            struct shown sh = show_bytes(name, strlen(name));
            return fail_loc(c, regs[i].loc, "unknown register '%s' (%s)", sh.s,
                            s->arch == SCN_ARCH_X86_64 ? X86_REGS : ARM64_REGS);
        }
        regs[i].reg = (uint8_t)r;
        c->reg_pending[which][i] = false;
    }
    size_t n = 0;
    for (size_t i = 0; i < *nregs; i++) {
        bool later = false;
        for (size_t j = i + 1; j < *nregs && !later; j++)
            later = regs[j].reg == regs[i].reg;
        if (!later)
            regs[n++] = regs[i];
    }
    *nregs = n;
    return 0;
}

/* What needs the arch: registers named early, and keys that belong to one architecture. */
static int check_arch(struct ctx *c)
{
    struct scenario *s = c->s;
    bool x86 = s->arch == SCN_ARCH_X86_64;
    if (resolve_regs(c, s->regs, &s->nregs, 0) || resolve_regs(c, s->expect_regs, &s->nexpect_regs, 1))
        return -1;
    if (s->has_expect_exit) {
        bool arm_word = !strcmp(s->expect_exit, "wfi");
        bool x86_word = !strcmp(s->expect_exit, "hlt") || !strcmp(s->expect_exit, "halt");
        if (x86 && arm_word)
            return fail_loc(c, c->exit_loc,
                            "exit 'wfi' is arm64's; an x86-64 vCPU waits with HLT: 'hlt' (RFLAGS.IF=1) or 'halt' "
                            "(IF=0)");
        if (!x86 && x86_word)
            return fail_loc(c, c->exit_loc, "exit '%s' is x86-64's; an arm64 vCPU waits with WFI: 'wfi'",
                            s->expect_exit);
    }
    if (c->stop_key && x86 != !strcmp(c->stop_key, "hlt"))
        return fail_loc(c, c->stop_key_loc, "stop.%s is for %s scenarios (use stop.%s)", c->stop_key,
                        x86 ? "arm64" : "x86-64", x86 ? "hlt" : "wfi");
    if (!x86) {
        if (s->x86.present)
            return fail_loc(c, s->x86.loc, "'x86' is only valid with arch: x86-64");
        if (c->has_xexits)
            return fail_loc(c, c->xexits_loc, "expect.exits is only valid with arch: x86-64");
        return 0;
    }
    if (c->plat_arm_key)
        return fail_loc(c, c->plat_arm_loc, "platform.%s is arm64 only", c->plat_arm_key);
    if (c->has_cpus && s->cpus > 1)
        return fail_loc(c, c->cpus_loc, "x86-64 scenarios run on one vCPU (cpus: 1)");
    for (size_t i = 0; i < s->ndevices; i++)
        if (s->devices[i].model == SCN_MODEL_GICV2)
            return fail_loc(c, s->devices[i].loc, "device '%s': a GICv2 is arm64 only", s->devices[i].name);
    return 0;
}

static int finish(struct ctx *c)
{
    struct scenario *s = c->s;
    if (!c->has_arch)
        return fail_loc(c, c->top_loc, "scenario needs 'arch'");
    if (check_arch(c))
        return -1;
    if (!c->has_guest_src) {
        if (c->has_guest_map)
            return fail_loc(c, c->guest_map_loc, "guest needs one of 'asm', 'hex' or 'file'");
        return fail_loc(c, c->top_loc, "scenario needs 'guest'");
    }
    for (size_t i = 0; i < s->nfaults; i++)
        if (s->faults[i].device[0] && !find_device(s, s->faults[i].device))
            return fail_loc(c, c->fault_devloc[i], "no device named '%s'", s->faults[i].device);
    for (size_t i = 0; i < s->nxexits; i++) {
        const char *dn = s->xexits[i].device;
        const struct scn_device *d = dn[0] ? find_device(s, dn) : NULL;
        if (dn[0] && !d)
            return fail_loc(c, c->xexit_devloc[i], "no device named '%s'", dn);
        if (d && !d->port)
            return fail_loc(c, c->xexit_devloc[i], "device '%s' is not a port device (x86.ports)", dn);
    }
    for (size_t i = 0; i < s->nexpect_dev; i++) {
        const struct scn_devexpect *de = &s->expect_dev[i];
        const struct scn_device *d = find_device(s, de->device);
        if (!d)
            return fail_loc(c, c->devexp_devloc[i], "no device named '%s'", de->device);
        if (d->model != SCN_MODEL_REGFILE)
            return fail_loc(c, c->devexp_devloc[i], "device '%s' is not a regfile", de->device);
        size_t r;
        for (r = 0; r < d->regfile.nregs; r++)
            if (!strcmp(d->regfile.regs[r].name, de->reg))
                break;
        if (r == d->regfile.nregs)
            return fail_loc(c, de->loc, "device '%s' has no register '%s'", de->device, de->reg);
    }
    if (!c->has_name) {
        const char *base = strrchr(s->files[0], '/');
        base = base ? base + 1 : s->files[0];
        size_t l = strlen(base);
        if (l > 5 && !strcmp(base + l - 5, ".yaml"))
            l -= 5;
        else if (l > 4 && !strcmp(base + l - 4, ".yml"))
            l -= 4;
        if (l >= sizeof s->name)
            l = sizeof s->name - 1;
        memset(s->name, 0, sizeof s->name);
        memcpy(s->name, base, l);
    }
    if (!s->has_load && s->nram > 0)
        s->load = s->ram[0].base;
    if (!s->has_entry)
        s->entry = s->load;
    return 0;
}

/* ---- public API ------------------------------------------------------------------------ */

static int begin(struct ctx *c, const char *name, struct scenario **out, struct scn_error *err)
{
    memset(c, 0, sizeof *c);
    c->err = err;
    memset(err, 0, sizeof *err);
    if (out)
        *out = NULL;
    c->s = calloc(1, sizeof *c->s);
    if (!c->s) {
        copy_str(err->file, sizeof err->file, name);
        snprintf(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    struct scenario *s = c->s;
    copy_str(s->files[0], sizeof s->files[0], name);
    s->nfiles = 1;
    s->arch = 0;
    s->cpus = 1;
    s->max_instructions = 1000000;
    s->stop_on_wfi = true;
    s->faults_exact = true;
    s->xexits_exact = true;
    if (strlen(name) >= SCN_PATH_MAX)
        return failp(c, 0, 0, 0, "file name too long (max %d bytes)", SCN_PATH_MAX - 1);
    if (!out)
        return failp(c, 0, 0, 0, "invalid argument");
    return 0;
}

static int end(struct ctx *c, int rc, struct scenario **out)
{
    afree(c);
    if (rc == 0 && !c->failed)
        rc = finish(c);
    if (rc != 0 || c->failed) {
        scenario_free(c->s);
        if (out)
            *out = NULL;
        return -1;
    }
    *out = c->s;
    return 0;
}

int scenario_load_file(const char *path, struct scenario **out, struct scn_error *err)
{
    struct ctx c;
    struct scn_error local;
    if (!err)
        err = &local;
    if (!path)
        path = "";
    if (begin(&c, path, out, err))
        return end(&c, -1, out);
    char msg[160];
    struct stat st;
    size_t len = 0;
    unsigned char *buf = read_file(path, &len, &st, msg, sizeof msg);
    if (!buf)
        return end(&c, failp(&c, 0, 0, 0, "cannot read scenario: %s", msg), out);
    c.chain[0].valid = true;
    c.chain[0].dev = st.st_dev;
    c.chain[0].ino = st.st_ino;
    c.nchain = 1;
    int rc = load_bytes(&c, buf, len, 0, 0);
    free(buf);
    return end(&c, rc, out);
}

int scenario_load_string(const char *text, size_t len, const char *name, struct scenario **out, struct scn_error *err)
{
    struct ctx c;
    struct scn_error local;
    if (!err)
        err = &local;
    if (!name)
        name = "<string>";
    if (begin(&c, name, out, err))
        return end(&c, -1, out);
    if (!text && len > 0)
        return end(&c, failp(&c, 0, 0, 0, "invalid argument"), out);
    struct stat st;
    if (stat(name, &st) == 0) { /* so that an include of the scenario itself is a cycle */
        c.chain[0].valid = true;
        c.chain[0].dev = st.st_dev;
        c.chain[0].ino = st.st_ino;
    }
    c.nchain = 1;
    int rc = load_bytes(&c, (const unsigned char *)(text ? text : ""), len, 0, 0);
    return end(&c, rc, out);
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    free(s->guest_text);
    free(s);
}

const char *scn_loc_str(const struct scenario *s, struct scn_loc loc, char *buf, size_t len)
{
    if (!buf || len == 0)
        return "";
    const char *f = (s && loc.file < s->nfiles && loc.file < SCN_MAX_FILES) ? s->files[loc.file] : "?";
    snprintf(buf, len, "%s:%" PRIu32 ":%" PRIu32, f, loc.line, loc.col);
    return buf;
}
