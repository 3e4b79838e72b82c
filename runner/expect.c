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

static const char *reg_name(unsigned reg, char *buf, size_t len)
{
    if (reg <= 30)
        snprintf(buf, len, "x%u", reg);
    else
        snprintf(buf, len, "%s", reg == 31 ? "sp" : reg == 32 ? "pc" : reg == 33 ? "nzcv" : "?");
    return buf;
}

/* "read of 4 bytes at 0x9000000 = 0x1234 by 0x40000004: ldr w1, [x0]" */
static void describe(const struct tr_event *e, const struct expect_view *v, char *buf, size_t len)
{
    char text[96];
    if (vmf_arm64_disasm(e->insn, e->pc, text, sizeof(text)))
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
    char want[256], saw[256];
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
    char name[16];
    for (size_t i = 0; i < s->nexpect_regs; i++) {
        const struct scn_reg *e = &s->expect_regs[i];
        uint64_t got = 0;
        r->checked++;
        vmf_reg_read(v->vcpu, e->reg, &got);
        if (got != e->value)
            failed(s, r, e->loc, "expect.registers.%s: expected 0x%llx, got 0x%llx",
                   reg_name(e->reg, name, sizeof(name)), (unsigned long long)e->value, (unsigned long long)got);
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
