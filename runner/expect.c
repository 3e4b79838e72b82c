/* vmfault runner — expectations: exit, faults, registers, memory, devices, UART.
 * A failure names the expectation (file:line:col), what was expected, what
 * happened instead, and the instruction that did it. */
#include "runner/expect.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmfault/vmfault.h"

static void failed(const struct scenario *s, struct run_result *r, struct scn_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void failed(const struct scenario *s, struct run_result *r, struct scn_loc loc, const char *fmt, ...)
{
    r->failed++;
    if (r->failed > 1)
        return; /* report the first difference; count the rest */
    char where[SCN_PATH_MAX + 32];
    scn_loc_str(s, loc, where, sizeof(where));
    int n = snprintf(r->failure, sizeof(r->failure), "%s: ", where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->failure + n, sizeof(r->failure) - (size_t)n, fmt, ap);
    va_end(ap);
}

static const char *reg_name(const struct scenario *s, unsigned reg, char *buf, size_t len)
{
    if (s->arch == SCN_ARCH_X86_64) {
        const char *n = vmf_x86_reg_name(reg);
        snprintf(buf, len, "%s", n ? n : "?");
    } else if (reg <= 30)
        snprintf(buf, len, "x%u", reg);
    else
        snprintf(buf, len, "%s", reg == 31 ? "sp" : reg == 32 ? "pc" : reg == 33 ? "nzcv" : "?");
    return buf;
}

/* "read of 4 bytes at 0x9000000 = 0x1234 by 0x40000004: ldr w1, [x0]" */
/* x86 instruction text at pc, from guest RAM. */
static void x86_text(vmf_vm *vm, uint64_t pc, char *buf, size_t len)
{
    uint8_t b[15];
    size_t n = sizeof(b);
    while (n > 0 && vmf_mem_read(vm, pc, b, n))
        n--;
    if (!n || vmf_x86_disasm(b, n, pc, buf, len))
        snprintf(buf, len, "?");
}

static void describe(const struct tr_event *e, const struct expect_view *v, char *buf, size_t len)
{
    char text[128];
    if (vmf_vm_arch(v->vm) == VMF_ARCH_X86_64)
        x86_text(v->vm, e->pc, text, sizeof(text));
    else if (vmf_arm64_disasm(e->insn, e->pc, text, sizeof(text)))
        snprintf(text, sizeof(text), "0x%08x", e->insn);
    snprintf(buf, len, "%s of %u bytes at 0x%llx%s%s = 0x%llx by 0x%llx: %s", e->dir == 2 ? "write" : "read", e->size,
             (unsigned long long)e->addr, e->device != TR_NO_DEVICE ? " on " : "",
             e->device != TR_NO_DEVICE ? v->names[e->device] : "", (unsigned long long)e->data,
             (unsigned long long)e->pc, text);
}

static void expected_str(const struct scn_fault *f, char *buf, size_t len)
{
    int n = snprintf(buf, len, "{");
    if (f->dir)
        n += snprintf(buf + n, len - (size_t)n, " %s", f->dir == SCN_DIR_WRITE ? "write" : "read");
    if (f->has_size)
        n += snprintf(buf + n, len - (size_t)n, " size %u", f->size);
    if (f->has_address)
        n += snprintf(buf + n, len - (size_t)n, " at 0x%llx", (unsigned long long)f->address);
    if (f->device[0])
        n += snprintf(buf + n, len - (size_t)n, " on %s", f->device);
    if (f->has_data)
        n += snprintf(buf + n, len - (size_t)n, " data 0x%llx", (unsigned long long)f->data);
    if (f->has_pc)
        n += snprintf(buf + n, len - (size_t)n, " by pc 0x%llx", (unsigned long long)f->pc);
    snprintf(buf + n, len - (size_t)n, " }");
}

static bool fault_matches(const struct scn_fault *f, const struct tr_event *e, const struct expect_view *v)
{
    return (!f->has_pc || f->pc == e->pc) && (!f->has_address || f->address == e->addr) &&
           (!f->has_size || f->size == e->size) && (!f->has_data || f->data == e->data) &&
           (!f->dir || f->dir == e->dir) &&
           (!f->device[0] || (e->device != TR_NO_DEVICE && !strcmp(f->device, v->names[e->device])));
}

static void check_faults(const struct scenario *s, const struct expect_view *v, struct run_result *r)
{
    const struct tr_event *got[4096];
    size_t n = 0;
    for (size_t i = 0; i < r->trace.n && n < sizeof(got) / sizeof(got[0]); i++)
        if (r->trace.ev[i].kind == TR_FAULT)
            got[n++] = &r->trace.ev[i];
    char want[256], saw[320];
    size_t j = 0;
    for (size_t i = 0; i < s->nfaults; i++) {
        const struct scn_fault *f = &s->faults[i];
        r->checked++;
        expected_str(f, want, sizeof(want));
        if (s->faults_exact) {
            if (j >= n) {
                failed(s, r, f->loc, "expect.faults[%zu]: expected %s, but the run made only %zu faults", i, want, n);
                return;
            }
            if (!fault_matches(f, got[j], v)) {
                describe(got[j], v, saw, sizeof(saw));
                failed(s, r, f->loc, "expect.faults[%zu]: expected %s\n  got fault %zu: %s", i, want, j, saw);
                return;
            }
            j++;
            continue;
        }
        while (j < n && !fault_matches(f, got[j], v))
            j++;
        if (j == n) {
            failed(s, r, f->loc, "expect.faults[%zu]: no fault %s in the rest of the run", i, want);
            return;
        }
        j++;
    }
    if (s->faults_exact && j < n) {
        describe(got[j], v, saw, sizeof(saw));
        r->checked++;
        failed(s, r, s->expect_loc, "expect.faults: the run made %zu faults, %zu expected; the first extra one: %s", n,
               s->nfaults, saw);
    }
}

/* ---- expect.exits (x86-64) ---------------------------------------------------------------------------- */

static int xappend(char *buf, size_t len, int n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int xappend(char *buf, size_t len, int n, const char *fmt, ...)
{
    if (n < 0 || (size_t)n >= len)
        return n;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    return k < 0 ? n : n + k;
}

static void xexpected_str(const struct scn_xexit *x, char *buf, size_t len)
{
    int n = snprintf(buf, len, "{");
    if (x->kind)
        n = xappend(buf, len, n, " %s", tr_x86_kind_name(x->kind));
    if (x->dir)
        n = xappend(buf, len, n, " %s", x->dir == SCN_DIR_READ ? "in" : "out");
    if (x->has_size)
        n = xappend(buf, len, n, " size %u", x->size);
    if (x->has_port)
        n = xappend(buf, len, n, " port 0x%x", x->port);
    if (x->device[0])
        n = xappend(buf, len, n, " on %s", x->device);
    if (x->has_msr)
        n = xappend(buf, len, n, " msr 0x%x", x->msr);
    if (x->has_leaf)
        n = xappend(buf, len, n, " leaf 0x%x", x->leaf);
    if (x->has_subleaf)
        n = xappend(buf, len, n, " subleaf 0x%x", x->subleaf);
    if (x->has_nr)
        n = xappend(buf, len, n, " nr %llu", (unsigned long long)x->nr);
    for (unsigned i = 0; i < x->nargs; i++)
        n = xappend(buf, len, n, "%s0x%llx%s", i ? ", " : " args (", (unsigned long long)x->args[i],
                    i + 1 == x->nargs ? ")" : "");
    if (x->has_value)
        n = xappend(buf, len, n, " value 0x%llx", (unsigned long long)x->value);
    if (x->has_rip)
        n = xappend(buf, len, n, " by rip 0x%llx", (unsigned long long)x->rip);
    xappend(buf, len, n, " }");
}

/* The value an expectation's `value` is compared with: the data, except
 * CPUID (EAX as answered). */
static uint64_t xvalue(const struct tr_event *e)
{
    return e->xexit == VMF_EXIT_CPUID ? (e->data & 0xffffffffu) : e->data;
}

static bool xexit_matches(const struct scn_xexit *x, const struct tr_event *e, const struct expect_view *v)
{
    bool io = e->xexit == VMF_EXIT_INOUT, msr = e->xexit == VMF_EXIT_RDMSR || e->xexit == VMF_EXIT_WRMSR;
    bool cpuid = e->xexit == VMF_EXIT_CPUID, vmcall = e->xexit == VMF_EXIT_VMCALL;
    if ((x->kind && x->kind != e->xexit) || (x->has_rip && x->rip != e->pc) || (x->has_value && x->value != xvalue(e)))
        return false;
    if ((x->has_port || x->dir || x->has_size || x->device[0]) && !io)
        return false;
    if ((x->has_port && x->port != e->code) || (x->dir && x->dir != e->dir) || (x->has_size && x->size != e->size))
        return false;
    if (x->device[0] && (e->device == TR_NO_DEVICE || strcmp(x->device, v->names[e->device])))
        return false;
    if (x->has_msr && (!msr || x->msr != e->code))
        return false;
    if ((x->has_leaf && (!cpuid || x->leaf != e->code)) || (x->has_subleaf && (!cpuid || x->subleaf != e->sub)))
        return false;
    if (x->has_nr && (!vmcall || x->nr != e->code))
        return false;
    if (x->nargs) {
        if (!vmcall || !(e->flags & TR_X86_ARGS))
            return false;
        for (unsigned i = 0; i < x->nargs; i++)
            if (x->args[i] != e->args[i])
                return false;
    }
    return true;
}

static void check_xexits(const struct scenario *s, const struct expect_view *v, struct run_result *r)
{
    const struct tr_event *got[4096];
    size_t n = 0;
    for (size_t i = 0; i < r->trace.n && n < sizeof(got) / sizeof(got[0]); i++)
        if (r->trace.ev[i].kind == TR_X86)
            got[n++] = &r->trace.ev[i];
    char want[256], saw[320], text[128];
    size_t j = 0;
    for (size_t i = 0; i < s->nxexits; i++) {
        const struct scn_xexit *x = &s->xexits[i];
        r->checked++;
        xexpected_str(x, want, sizeof(want));
        if (s->xexits_exact) {
            if (j >= n) {
                failed(s, r, x->loc, "expect.exits[%zu]: expected %s, but the run made only %zu exits", i, want, n);
                return;
            }
            if (!xexit_matches(x, got[j], v)) {
                tr_event_str(got[j], v->names, saw, sizeof(saw));
                x86_text(v->vm, got[j]->pc, text, sizeof(text));
                failed(s, r, x->loc, "expect.exits[%zu]: expected %s\n  got exit %zu: %s: %s", i, want, j, saw, text);
                return;
            }
            j++;
            continue;
        }
        while (j < n && !xexit_matches(x, got[j], v))
            j++;
        if (j == n) {
            failed(s, r, x->loc, "expect.exits[%zu]: no exit %s in the rest of the run", i, want);
            return;
        }
        j++;
    }
    if (s->xexits_exact && j < n) {
        tr_event_str(got[j], v->names, saw, sizeof(saw));
        x86_text(v->vm, got[j]->pc, text, sizeof(text));
        r->checked++;
        failed(s, r, s->expect_loc, "expect.exits: the run made %zu exits, %zu expected; the first extra one: %s: %s",
               n, s->nxexits, saw, text);
    }
}

static void escape(const char *in, size_t len, char *out, size_t outlen)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 5 < outlen; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (ch == '\n')
            k += (size_t)snprintf(out + k, outlen - k, "\\n");
        else if (ch == '"' || ch == '\\')
            k += (size_t)snprintf(out + k, outlen - k, "\\%c", ch);
        else if (ch < 32 || ch > 126)
            k += (size_t)snprintf(out + k, outlen - k, "\\x%02x", ch);
        else
            out[k++] = (char)ch;
    }
    out[k] = 0;
}

void expect_check(const struct scenario *s, const struct expect_view *v, struct run_result *r)
{
    if (s->has_expect_exit) {
        r->checked++;
        if (tr_exit_from_name(s->expect_exit) != r->reason)
            failed(s, r, s->expect_loc, "expect.exit: expected %s, the run ended with %s at pc 0x%llx%s%s",
                   s->expect_exit, tr_exit_name(r->reason), (unsigned long long)r->pc, r->error[0] ? ": " : "",
                   r->error);
    } else if (r->reason == TR_EXIT_ERROR) {
        r->checked++;
        failed(s, r, s->expect_loc, "the run ended with an error: %s", r->error);
    }
    if (s->has_expect_status) {
        r->checked++;
        bool has_status = r->reason == TR_EXIT_TEST || r->reason == TR_EXIT_POWEROFF;
        if (!has_status || r->status != s->expect_status)
            failed(s, r, s->expect_loc, "expect.status: expected status %u, got %s%s%u", s->expect_status,
                   has_status ? "" : tr_exit_name(r->reason), has_status ? "" : " ", r->status);
    }
    if (s->has_expect_faults)
        check_faults(s, v, r);
    if (s->has_expect_xexits)
        check_xexits(s, v, r);
    char name[16];
    for (size_t i = 0; i < s->nexpect_regs; i++) {
        const struct scn_reg *e = &s->expect_regs[i];
        uint64_t got = 0;
        r->checked++;
        vmf_reg_read(v->vcpu, e->reg, &got);
        if (got != e->value)
            failed(s, r, e->loc, "expect.registers.%s: expected 0x%llx, got 0x%llx",
                   reg_name(s, e->reg, name, sizeof(name)), (unsigned long long)e->value, (unsigned long long)got);
    }
    for (size_t i = 0; i < s->nexpect_mem; i++) {
        const struct scn_mem *e = &s->expect_mem[i];
        uint8_t got[SCN_MAX_BYTES];
        r->checked++;
        if (vmf_mem_read(v->vm, e->address, got, e->len)) {
            failed(s, r, e->loc, "expect.memory: [0x%llx, +%zu) is not RAM", (unsigned long long)e->address, e->len);
            continue;
        }
        for (size_t k = 0; k < e->len; k++)
            if (got[k] != e->bytes[k]) {
                failed(s, r, e->loc, "expect.memory: byte at 0x%llx: expected 0x%02x, got 0x%02x",
                       (unsigned long long)(e->address + k), e->bytes[k], got[k]);
                break;
            }
    }
    for (size_t i = 0; i < s->nexpect_dev; i++) {
        const struct scn_devexpect *e = &s->expect_dev[i];
        r->checked++;
        const struct vmf_regfile *rf = NULL;
        for (size_t k = 0; k < s->ndevices; k++)
            if (!strcmp(s->devices[k].name, e->device))
                rf = v->regfile[k];
        const struct vmf_regfile_regstate *st = rf ? vmf_regfile_find(rf, e->reg) : NULL;
        if (!st)
            failed(s, r, e->loc, "expect.devices.%s.%s: no such register file register", e->device, e->reg);
        else if (st->current != e->value)
            failed(s, r, e->loc, "expect.devices.%s.%s: expected 0x%llx, got 0x%llx (%llu reads, %llu writes)",
                   e->device, e->reg, (unsigned long long)e->value, (unsigned long long)st->current,
                   (unsigned long long)st->reads, (unsigned long long)st->writes);
    }
    if (s->has_expect_uart) {
        r->checked++;
        size_t want = strlen(s->expect_uart);
        if (want != r->uart_len || memcmp(s->expect_uart, r->uart, want)) {
            char a[256], b[256];
            escape(s->expect_uart, want, a, sizeof(a));
            escape(r->uart, r->uart_len, b, sizeof(b));
            failed(s, r, s->expect_loc, "expect.uart: expected \"%s\", got \"%s\"", a, b);
        }
    }
}
