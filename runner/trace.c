/* vmfault runner — trace events and their digest. */
#include "runner/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/sha256.h"
#include "vmfault/fault.h"
#include "vmfault/vm.h"

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
    case TR_X86:
        put(&p, e->xexit, 1);
        put(&p, e->pc, 8);
        put(&p, e->code, 8);
        put(&p, e->sub, 4);
        put(&p, e->size, 1);
        put(&p, e->dir, 1);
        put(&p, e->flags, 1);
        put(&p, e->data, 8);
        put(&p, e->data2, 8);
        put(&p, e->result, 1);
        put(&p, e->device, 1);
        if (e->flags & TR_X86_ARGS)
            for (unsigned i = 0; i < 4; i++)
                put(&p, e->args[i], 8);
        break;
    default: break;
    }
    return (size_t)(p - buf);
}

bool tr_event_equal(const struct tr_event *a, const struct tr_event *b)
{
    uint8_t x[128], y[128];
    size_t nx = encode(a, x), ny = encode(b, y);
    return nx == ny && !memcmp(x, y, nx);
}

void trace_digest(const struct trace *t, uint8_t out[32])
{
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, "vmfault-trace-1", 15);
    for (size_t i = 0; i < t->n; i++) {
        uint8_t buf[128];
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

#define NEXITS 10
static const char *const exit_names[NEXITS + 1] = {NULL,   "wfi",      "test-exit", "pc",  "budget", "error",
                                                   "stop", "poweroff", "reset",     "hlt", "halt"};

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

const char *tr_x86_kind_name(int exitcode)
{
    switch (exitcode) {
    case VMF_EXIT_INOUT: return "inout";
    case VMF_EXIT_CPUID: return "cpuid";
    case VMF_EXIT_RDMSR: return "rdmsr";
    case VMF_EXIT_WRMSR: return "wrmsr";
    case VMF_EXIT_VMCALL: return "vmcall";
    case VMF_EXIT_INVD: return "invd";
    case VMF_EXIT_HLT: return "hlt";
    default: return NULL;
    }
}

int tr_x86_kind_from_name(const char *name)
{
    static const int codes[] = {VMF_EXIT_INOUT,  VMF_EXIT_CPUID, VMF_EXIT_RDMSR, VMF_EXIT_WRMSR,
                                VMF_EXIT_VMCALL, VMF_EXIT_INVD,  VMF_EXIT_HLT};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (!strcmp(name, tr_x86_kind_name(codes[i])))
            return codes[i];
    return -1;
}

static const char *const x86_results[] = {"handled", "unhandled", "error"};

const char *tr_x86_result_name(int result)
{
    return result >= 0 && result <= 2 ? x86_results[result] : "?";
}

int tr_x86_result_from_name(const char *name)
{
    for (int i = 0; i <= 2; i++)
        if (!strcmp(name, x86_results[i]))
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
    case TR_X86: {
        const char *k = tr_x86_kind_name(e->xexit);
        int n = snprintf(buf, len, "t=%llu cpu%u %s", (unsigned long long)e->t, e->cpu, k ? k : "x86 exit");
        if (n < 0 || (size_t)n >= len)
            break;
        switch (e->xexit) {
        case VMF_EXIT_INOUT:
            n += snprintf(buf + n, len - (size_t)n, " %s%s%s of %u byte%s at port 0x%llx%s%s = 0x%llx",
                          e->flags & TR_X86_REP ? "rep " : "", e->dir == 1 ? "in" : "out",
                          e->flags & TR_X86_STRING ? "s" : "", e->size, e->size == 1 ? "" : "s",
                          (unsigned long long)e->code, e->device != TR_NO_DEVICE && device_names ? " on " : "",
                          e->device != TR_NO_DEVICE && device_names ? device_names[e->device] : "",
                          (unsigned long long)e->data);
            break;
        case VMF_EXIT_CPUID:
            n += snprintf(buf + n, len - (size_t)n, " leaf 0x%llx subleaf 0x%x = eax 0x%x ebx 0x%x ecx 0x%x edx 0x%x",
                          (unsigned long long)e->code, e->sub, (unsigned)e->data, (unsigned)(e->data >> 32),
                          (unsigned)e->data2, (unsigned)(e->data2 >> 32));
            break;
        case VMF_EXIT_RDMSR:
        case VMF_EXIT_WRMSR:
            n += snprintf(buf + n, len - (size_t)n, " msr 0x%llx = 0x%llx", (unsigned long long)e->code,
                          (unsigned long long)e->data);
            break;
        case VMF_EXIT_VMCALL:
            n += snprintf(buf + n, len - (size_t)n, " %llu", (unsigned long long)e->code);
            if (n > 0 && (size_t)n < len && (e->flags & TR_X86_ARGS))
                n += snprintf(buf + n, len - (size_t)n, " (0x%llx, 0x%llx, 0x%llx, 0x%llx)",
                              (unsigned long long)e->args[0], (unsigned long long)e->args[1],
                              (unsigned long long)e->args[2], (unsigned long long)e->args[3]);
            if (n > 0 && (size_t)n < len)
                n += snprintf(buf + n, len - (size_t)n, " = 0x%llx", (unsigned long long)e->data);
            break;
        case VMF_EXIT_INVD: n += snprintf(buf + n, len - (size_t)n, "%s", e->sub ? " (wbinvd)" : ""); break;
        default: break;
        }
        if (n > 0 && (size_t)n < len)
            snprintf(buf + n, len - (size_t)n, " by rip 0x%llx, %s", (unsigned long long)e->pc,
                     tr_x86_result_name(e->result));
        break;
    }
    default: snprintf(buf, len, "unknown event kind %u", e->kind);
    }
}
