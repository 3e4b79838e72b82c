/* vmfault runner — trace events and their digest. */
#include "runner/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/sha256.h"
#include "vmfault/fault.h"

int trace_push(struct trace *t, const struct tr_event *e)
{
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        struct tr_event *n = realloc(t->ev, ncap * sizeof(*n));
        if (!n)
            return -1;
        t->ev = n;
        t->cap = ncap;
    }
    t->ev[t->n++] = *e;
    return 0;
}

void trace_free(struct trace *t)
{
    free(t->ev);
    memset(t, 0, sizeof(*t));
}

static void put(uint8_t **p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        *(*p)++ = (uint8_t)(v >> (8 * i));
}

/* The canonical encoding: what the digest covers, field by field. */
static size_t encode(const struct tr_event *e, uint8_t *buf)
{
    uint8_t *p = buf;
    put(&p, e->kind, 1);
    put(&p, e->cpu, 1);
    put(&p, e->t, 8);
    switch (e->kind) {
    case TR_FAULT:
        put(&p, e->pc, 8);
        put(&p, e->insn, 4);
        put(&p, e->addr, 8);
        put(&p, e->size, 1);
        put(&p, e->dir, 1);
        put(&p, e->data, 8);
        put(&p, e->result, 1);
        put(&p, e->device, 1);
        put(&p, e->part, 1);
        put(&p, e->parts, 1);
        break;
    case TR_IRQ:
        put(&p, e->line, 4);
        put(&p, e->level, 1);
        put(&p, e->device, 1); /* TR_NO_DEVICE: a scheduled event */
        break;
    case TR_EXIT:
        put(&p, e->reason, 1);
        put(&p, e->pc, 8);
        put(&p, e->status, 4);
        break;
    default: break;
    }
    return (size_t)(p - buf);
}

bool tr_event_equal(const struct tr_event *a, const struct tr_event *b)
{
    uint8_t x[64], y[64];
    size_t nx = encode(a, x), ny = encode(b, y);
    return nx == ny && !memcmp(x, y, nx);
}

void trace_digest(const struct trace *t, uint8_t out[32])
{
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, "vmfault-trace-1", 15);
    for (size_t i = 0; i < t->n; i++) {
        uint8_t buf[64];
        sha256_update(&s, buf, encode(&t->ev[i], buf));
    }
    sha256_final(&s, out);
}

void trace_digest_hex(const struct trace *t, char out[65])
{
    uint8_t d[32];
    trace_digest(t, d);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

#define NEXITS 8
static const char *const exit_names[NEXITS + 1] = {NULL,    "wfi",  "test-exit", "pc",   "budget",
                                                   "error", "stop", "poweroff",  "reset"};

const char *tr_exit_name(int reason)
{
    return reason >= 1 && reason <= NEXITS ? exit_names[reason] : "?";
}

int tr_exit_from_name(const char *name)
{
    for (int i = 1; i <= NEXITS; i++)
        if (!strcmp(name, exit_names[i]))
            return i;
    return -1;
}

void tr_event_str(const struct tr_event *e, const char *const *device_names, char *buf, size_t len)
{
    switch (e->kind) {
    case TR_FAULT:
        snprintf(buf, len, "t=%llu cpu%u %s of %u bytes at 0x%llx%s%s = 0x%llx by pc 0x%llx (insn 0x%08x), %s",
                 (unsigned long long)e->t, e->cpu, e->dir == 2 ? "write" : "read", e->size, (unsigned long long)e->addr,
                 e->device != TR_NO_DEVICE && device_names ? " on " : "",
                 e->device != TR_NO_DEVICE && device_names ? device_names[e->device] : "", (unsigned long long)e->data,
                 (unsigned long long)e->pc, e->insn, vmf_fault_result_name(e->result));
        break;
    case TR_IRQ:
        snprintf(buf, len, "t=%llu irq %u %s", (unsigned long long)e->t, e->line, e->level ? "high" : "low");
        break;
    case TR_EXIT:
        snprintf(buf, len, "t=%llu exit %s at pc 0x%llx status %u", (unsigned long long)e->t, tr_exit_name(e->reason),
                 (unsigned long long)e->pc, e->status);
        break;
    default: snprintf(buf, len, "unknown event kind %u", e->kind);
    }
}
