/* vmfault runner — trace files: `record` writes one, `replay` reads it back.
 *
 * A trace file is YAML.  It carries the scenario's sources verbatim (for the
 * reader), the machine to rebuild (RAM, device windows, the guest image as
 * hex, registers, events, stop conditions), every event of the run and the
 * digest.  Replay needs nothing else: no scenario file, no assembler, no
 * device model.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "runner/runner.h"
#include "vmfault/fault.h"
#include "vmfault/x86.h"

/* ---- writing ---------------------------------------------------------------------------------- */

/* A YAML double-quoted scalar: printable ASCII as is, the rest escaped. */
static void put_quoted(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch == '\t')
            fputs("\\t", f);
        else if (ch < 32 || ch > 126)
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static const char *reg_name(const struct scenario *s, unsigned reg, char *buf, size_t len)
{
    if (s->arch == SCN_ARCH_X86_64) {
        const char *n = vmf_x86_reg_name(reg);
        snprintf(buf, len, "%s", n ? n : "?");
    } else if (reg <= 30)
        snprintf(buf, len, "x%u", reg);
    else
        snprintf(buf, len, "%s", reg == 31 ? "sp" : reg == 32 ? "pc" : "nzcv");
    return buf;
}

static void put_source(FILE *f, const char *path)
{
    FILE *in = fopen(path, "rb");
    fputs("  - file: ", f);
    put_quoted(f, path, strlen(path));
    fputs("\n    text: ", f);
    if (!in) {
        fputs("\"\"\n", f);
        return;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int ch;
    while ((ch = fgetc(in)) != EOF) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            char *n = realloc(buf, cap);
            if (!n)
                break;
            buf = n;
        }
        buf[len++] = (char)ch;
    }
    fclose(in);
    put_quoted(f, buf ? buf : "", len);
    free(buf);
    fputc('\n', f);
}

/* An x86 exit event, with the fields of its kind only:
 *   inout   port, dir (in|out), size, string, rep, value, device
 *   cpuid   leaf, subleaf, eax, ebx, ecx, edx
 *   rdmsr / wrmsr   msr, value
 *   vmcall  nr, value (RAX returned), args (with log: true)
 *   invd    wbinvd
 *   hlt     nothing more */
static void put_x86(FILE *f, const struct scenario *s, const struct tr_event *e)
{
    const char *k = tr_x86_kind_name(e->xexit);
    fprintf(f, "  - {t: %llu, cpu: %u, x86: %s, pc: 0x%llx", (unsigned long long)e->t, e->cpu, k ? k : "?",
            (unsigned long long)e->pc);
    switch (e->xexit) {
    case VMF_EXIT_INOUT:
        fprintf(f, ", port: 0x%llx, dir: %s, size: %u%s%s, value: 0x%llx, device: %s", (unsigned long long)e->code,
                e->dir == 1 ? "in" : "out", e->size, e->flags & TR_X86_STRING ? ", string: true" : "",
                e->flags & TR_X86_REP ? ", rep: true" : "", (unsigned long long)e->data,
                e->device < s->ndevices ? s->devices[e->device].name : "none");
        break;
    case VMF_EXIT_CPUID:
        fprintf(f, ", leaf: 0x%llx, subleaf: 0x%x, eax: 0x%x, ebx: 0x%x, ecx: 0x%x, edx: 0x%x",
                (unsigned long long)e->code, e->sub, (unsigned)e->data, (unsigned)(e->data >> 32), (unsigned)e->data2,
                (unsigned)(e->data2 >> 32));
        break;
    case VMF_EXIT_RDMSR:
    case VMF_EXIT_WRMSR:
        fprintf(f, ", msr: 0x%llx, value: 0x%llx", (unsigned long long)e->code, (unsigned long long)e->data);
        break;
    case VMF_EXIT_VMCALL:
        fprintf(f, ", nr: %llu, value: 0x%llx", (unsigned long long)e->code, (unsigned long long)e->data);
        if (e->flags & TR_X86_ARGS)
            fprintf(f, ", args: [0x%llx, 0x%llx, 0x%llx, 0x%llx]", (unsigned long long)e->args[0],
                    (unsigned long long)e->args[1], (unsigned long long)e->args[2], (unsigned long long)e->args[3]);
        break;
    case VMF_EXIT_INVD: fprintf(f, ", wbinvd: %s", e->sub ? "true" : "false"); break;
    default: break;
    }
    fprintf(f, ", result: %s}\n", tr_x86_result_name(e->result));
}

int record_write(FILE *f, const struct scenario *s, const struct runner_opts *o, const struct run_result *r)
{
    char name[16];
    fputs("# vmfault trace: `vmfault replay` re-runs it with device reads served from the events below\n", f);
    fputs("vmfault-trace: 1\nscenario: ", f);
    put_quoted(f, s->files[0], strlen(s->files[0]));
    fprintf(f, "\npath: %s\nsources:\n", o->path == SCN_PATH_EXIT ? "exit" : "fast");
    for (size_t i = 0; i < s->nfiles; i++)
        put_source(f, s->files[i]);
    fprintf(f, "machine:\n  arch: %s\n  cpus: %u\n  ram:\n", s->arch == SCN_ARCH_X86_64 ? "x86-64" : "arm64",
            s->cpus ? s->cpus : 1);
    for (size_t i = 0; i < s->nram; i++)
        fprintf(f, "    - {base: 0x%llx, size: 0x%llx%s}\n", (unsigned long long)s->ram[i].base,
                (unsigned long long)s->ram[i].size, s->ram[i].lazy ? ", lazy: true" : "");
    fputs("  devices:\n", f);
    for (size_t i = 0; i < s->ndevices; i++) {
        const struct scn_device *d = &s->devices[i];
        if (d->port) { /* served from the trace like the MMIO devices */
            fprintf(f, "    - {name: %s, port: true, first: 0x%llx, last: 0x%llx}\n", d->name,
                    (unsigned long long)d->base, (unsigned long long)(d->base + d->size - 1));
            continue;
        }
        fprintf(f, "    - {name: %s, base: 0x%llx, size: 0x%llx%s", d->name, (unsigned long long)d->base,
                (unsigned long long)d->size,
                d->path == SCN_PATH_EXIT   ? ", path: exit"
                : d->path == SCN_PATH_FAST ? ", path: fast"
                                           : "");
        if (d->model == SCN_MODEL_PL011) /* its data register writes give a powered-off test's status */
            fputs(", model: pl011", f);
        if (d->model == SCN_MODEL_GICV2) /* the interrupt controller is modelled in a replay too */
            fprintf(f, ", model: gicv2, cpu_interface: 0x%llx, irqs: %u", (unsigned long long)d->cpu_base, d->nirqs);
        fputs("}\n", f);
    }
    fprintf(f, "  platform: {exceptions: %s, psci: %s, dtb: %s, dtb_address: 0x%llx, quantum: %llu, bootargs: ",
            s->platform.exceptions ? "deliver" : "exit",
            s->platform.psci == 1   ? "hvc"
            : s->platform.psci == 2 ? "smc"
                                    : "none",
            s->platform.dtb ? "true" : "false", (unsigned long long)s->platform.dtb_address,
            (unsigned long long)s->platform.quantum);
    put_quoted(f, s->platform.bootargs, strlen(s->platform.bootargs));
    fputs("}\n", f);
    if (s->arch == SCN_ARCH_X86_64) {
        /* the VMM's tables are configuration, rebuilt by the replay (not device models) */
        fprintf(f, "  x86:\n    unhandled: %s\n    cpuid:\n", s->x86.unhandled_ignore ? "ignore" : "error");
        for (size_t i = 0; i < s->x86.ncpuid; i++) {
            const struct scn_cpuid *c = &s->x86.cpuid[i];
            fprintf(f, "      - {leaf: 0x%x, subleaf: 0x%x, eax: 0x%x, ebx: 0x%x, ecx: 0x%x, edx: 0x%x}\n", c->leaf,
                    c->subleaf, c->regs[0], c->regs[1], c->regs[2], c->regs[3]);
        }
        fputs("    msrs:\n", f);
        for (size_t i = 0; i < s->x86.nmsrs; i++)
            fprintf(f, "      - {msr: 0x%x, value: 0x%llx}\n", s->x86.msrs[i].msr,
                    (unsigned long long)s->x86.msrs[i].value);
        fputs("    vmcalls:\n", f);
        for (size_t i = 0; i < s->x86.nvmcalls; i++) {
            const struct scn_vmcall *v = &s->x86.vmcalls[i];
            static const char *const regs[] = {"", "rbx", "rcx", "rdx", "rsi"};
            fprintf(f, "      - {nr: %llu, log: %s, exit: %s, return: ", (unsigned long long)v->nr,
                    v->log ? "true" : "false", v->exit ? "true" : "false");
            if (v->ret == SCN_VMCALL_RET_VALUE)
                fprintf(f, "0x%llx}\n", (unsigned long long)v->value);
            else
                fprintf(f, "%s}\n", regs[v->ret <= 4 ? v->ret : 0]);
        }
    }
    fprintf(f, "  image:\n    entry: 0x%llx\n    segments:\n", (unsigned long long)r->image.entry);
    for (size_t i = 0; i < r->image.nseg; i++) {
        fprintf(f, "      - address: 0x%llx\n        hex: \"", (unsigned long long)r->image.seg[i].addr);
        for (size_t k = 0; k < r->image.seg[i].len; k++)
            fprintf(f, "%02x", r->image.bytes[r->image.seg[i].off + k]);
        fputs("\"\n", f);
    }
    fputs("  registers: {", f);
    for (size_t i = 0; i < s->nregs; i++)
        fprintf(f, "%s%s: 0x%llx", i ? ", " : "", reg_name(s, s->regs[i].reg, name, sizeof(name)),
                (unsigned long long)s->regs[i].value);
    fputs("}\n  events:\n", f);
    for (size_t i = 0; i < s->nevents; i++)
        fprintf(f, "    - {at: %llu, irq: %u, level: %s}\n", (unsigned long long)s->events[i].at, s->events[i].irq,
                s->events[i].level ? "high" : "low");
    fprintf(f, "  stop: {max_instructions: %llu, wfi: %s",
            (unsigned long long)(s->max_instructions ? s->max_instructions : 1000000),
            s->stop_on_wfi ? "true" : "false");
    if (s->has_stop_pc)
        fprintf(f, ", pc: 0x%llx", (unsigned long long)s->stop_pc);
    fputs("}\nevents:\n", f);
    for (size_t i = 0; i < r->trace.n; i++) {
        const struct tr_event *e = &r->trace.ev[i];
        switch (e->kind) {
        case TR_FAULT:
            fprintf(f,
                    "  - {t: %llu, cpu: %u, fault: %s, pc: 0x%llx, insn: 0x%08x, address: 0x%llx, size: %u, "
                    "data: 0x%llx, result: %s, device: %s, part: %u, parts: %u}\n",
                    (unsigned long long)e->t, e->cpu, e->dir == 2 ? "write" : "read", (unsigned long long)e->pc,
                    e->insn, (unsigned long long)e->addr, e->size, (unsigned long long)e->data,
                    vmf_fault_result_name(e->result), e->device < s->ndevices ? s->devices[e->device].name : "none",
                    e->part, e->parts);
            break;
        case TR_IRQ:
            fprintf(f, "  - {t: %llu, irq: %u, level: %s%s%s}\n", (unsigned long long)e->t, e->line,
                    e->level ? "high" : "low", e->device < s->ndevices ? ", device: " : "",
                    e->device < s->ndevices ? s->devices[e->device].name : "");
            break;
        case TR_X86: put_x86(f, s, e); break;
        default:
            fprintf(f, "  - {t: %llu, exit: %s, pc: 0x%llx, status: %u}\n", (unsigned long long)e->t,
                    tr_exit_name(e->reason), (unsigned long long)e->pc, e->status);
            break;
        }
    }
    fprintf(f, "digest: %s\n", r->digest);
    return ferror(f) ? -1 : 0;
}

/* ---- reading ---------------------------------------------------------------------------------- */

struct rd {
    yaml_document_t doc;
    const char *path;
    struct scn_error *err;
};

static int rfail(struct rd *d, const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int rfail(struct rd *d, const yaml_node_t *n, const char *fmt, ...)
{
    if (d->err->message[0])
        return -1; /* keep the first */
    snprintf(d->err->file, sizeof(d->err->file), "%s", d->path);
    d->err->line = n ? (uint32_t)n->start_mark.line + 1 : 1;
    d->err->col = n ? (uint32_t)n->start_mark.column + 1 : 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err->message, sizeof(d->err->message), fmt, ap);
    va_end(ap);
    return -1;
}

static yaml_node_t *get(struct rd *d, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
            return yaml_document_get_node(&d->doc, p->value);
    }
    return NULL;
}

static const char *str(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int num(struct rd *d, yaml_node_t *map, const char *key, uint64_t *out, bool required)
{
    yaml_node_t *n = get(d, map, key);
    if (!n) {
        if (required)
            return rfail(d, map, "missing '%s'", key);
        return 1;
    }
    const char *s = str(n);
    char *end;
    if (!s || !*s || *s == '-')
        return rfail(d, n, "'%s' must be a number", key);
    *out = strtoull(s, &end, 0);
    if (*end)
        return rfail(d, n, "'%s' must be a number, not '%s'", key, s);
    return 0;
}

static int arm64_reg_number(const char *name)
{
    if (name[0] == 'x') {
        char *end;
        unsigned long n = strtoul(name + 1, &end, 10);
        if (!*end && name[1] && n <= 30)
            return (int)n;
    }
    return !strcmp(name, "sp") ? 31 : !strcmp(name, "pc") ? 32 : !strcmp(name, "nzcv") ? 33 : -1;
}

static int hexbytes(struct rd *d, yaml_node_t *n, uint8_t **out, size_t *len)
{
    const char *s = str(n);
    size_t l = s ? strlen(s) : 1;
    if (!s || l % 2)
        return rfail(d, n, "hex must be an even number of hex digits");
    uint8_t *b = malloc(l / 2 + 1);
    if (!b)
        return rfail(d, n, "out of memory");
    for (size_t i = 0; i < l / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) {
            free(b);
            return rfail(d, n, "bad hex digit at %zu", 2 * i);
        }
        b[i] = (uint8_t)v;
    }
    *out = b;
    *len = l / 2;
    return 0;
}

static yaml_node_t *item(struct rd *d, yaml_node_item_t *i)
{
    return yaml_document_get_node(&d->doc, *i);
}

/* machine.x86: the VMM's tables as the recording had them. */
static int read_x86(struct rd *d, yaml_node_t *x, struct scenario *s)
{
    uint64_t v;
    const char *un = str(get(d, x, "unhandled"));
    s->x86.present = true;
    s->x86.unhandled_ignore = un && !strcmp(un, "ignore");
    yaml_node_t *l = get(d, x, "cpuid");
    if (l && l->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *i = l->data.sequence.items.start; i < l->data.sequence.items.top; i++) {
            yaml_node_t *n = item(d, i);
            if (s->x86.ncpuid == SCN_MAX_CPUID)
                return rfail(d, n, "too many cpuid entries");
            struct scn_cpuid *c = &s->x86.cpuid[s->x86.ncpuid];
            static const char *const regs[] = {"eax", "ebx", "ecx", "edx"};
            if (num(d, n, "leaf", &v, true))
                return -1;
            c->leaf = (uint32_t)v;
            if (num(d, n, "subleaf", &v, true))
                return -1;
            c->subleaf = (uint32_t)v;
            for (int r = 0; r < 4; r++) {
                if (num(d, n, regs[r], &v, true))
                    return -1;
                c->regs[r] = (uint32_t)v;
            }
            s->x86.ncpuid++;
        }
    l = get(d, x, "msrs");
    if (l && l->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *i = l->data.sequence.items.start; i < l->data.sequence.items.top; i++) {
            yaml_node_t *n = item(d, i);
            if (s->x86.nmsrs == SCN_MAX_MSRS)
                return rfail(d, n, "too many msrs");
            struct scn_msr *m = &s->x86.msrs[s->x86.nmsrs];
            if (num(d, n, "msr", &v, true) || num(d, n, "value", &m->value, true))
                return -1;
            m->msr = (uint32_t)v;
            s->x86.nmsrs++;
        }
    l = get(d, x, "vmcalls");
    if (l && l->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *i = l->data.sequence.items.start; i < l->data.sequence.items.top; i++) {
            yaml_node_t *n = item(d, i);
            if (s->x86.nvmcalls == SCN_MAX_VMCALLS)
                return rfail(d, n, "too many vmcalls");
            struct scn_vmcall *c = &s->x86.vmcalls[s->x86.nvmcalls];
            static const char *const regs[] = {"rbx", "rcx", "rdx", "rsi"};
            if (num(d, n, "nr", &c->nr, true))
                return -1;
            const char *ret = str(get(d, n, "return")), *lg = str(get(d, n, "log")), *ex = str(get(d, n, "exit"));
            c->log = lg && !strcmp(lg, "true");
            c->exit = ex && !strcmp(ex, "true");
            c->ret = SCN_VMCALL_RET_VALUE;
            for (int r = 0; ret && r < 4; r++)
                if (!strcmp(ret, regs[r]))
                    c->ret = (uint8_t)(SCN_VMCALL_RET_RBX + r);
            if (c->ret == SCN_VMCALL_RET_VALUE && num(d, n, "return", &c->value, true))
                return -1;
            s->x86.nvmcalls++;
        }
    return d->err->message[0] ? -1 : 0;
}

static int read_machine(struct rd *d, yaml_node_t *m, struct replay_file *rf)
{
    struct scenario *s = rf->scenario;
    uint64_t v;
    if (!m || m->type != YAML_MAPPING_NODE)
        return rfail(d, m, "'machine' must be a mapping");
    const char *arch = str(get(d, m, "arch"));
    if (arch && strcmp(arch, "arm64") && strcmp(arch, "x86-64"))
        return rfail(d, m, "unknown arch '%s'", arch);
    s->arch = arch && !strcmp(arch, "x86-64") ? SCN_ARCH_X86_64 : SCN_ARCH_ARM64;
    s->cpus = num(d, m, "cpus", &v, false) == 0 ? (uint32_t)v : 1;
    yaml_node_t *ram = get(d, m, "ram"), *devs = get(d, m, "devices"), *img = get(d, m, "image");
    if (!ram || ram->type != YAML_SEQUENCE_NODE || !ram->data.sequence.items.top ||
        ram->data.sequence.items.top == ram->data.sequence.items.start)
        return rfail(d, m, "machine needs a 'ram' list");
    for (yaml_node_item_t *i = ram->data.sequence.items.start; i < ram->data.sequence.items.top; i++) {
        yaml_node_t *r = yaml_document_get_node(&d->doc, *i);
        if (s->nram == SCN_MAX_RAM)
            return rfail(d, r, "too many RAM regions");
        if (num(d, r, "base", &s->ram[s->nram].base, true) || num(d, r, "size", &s->ram[s->nram].size, true))
            return -1;
        const char *lazy = str(get(d, r, "lazy"));
        s->ram[s->nram].lazy = lazy && !strcmp(lazy, "true");
        s->nram++;
    }
    if (devs && devs->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *i = devs->data.sequence.items.start; i < devs->data.sequence.items.top; i++) {
            yaml_node_t *n = yaml_document_get_node(&d->doc, *i);
            if (s->ndevices == SCN_MAX_DEVICES)
                return rfail(d, n, "too many devices");
            struct scn_device *dev = &s->devices[s->ndevices];
            const char *name = str(get(d, n, "name")), *path = str(get(d, n, "path"));
            if (!name || strlen(name) >= sizeof(dev->name))
                return rfail(d, n, "device needs a 'name'");
            snprintf(dev->name, sizeof(dev->name), "%s", name);
            const char *port = str(get(d, n, "port"));
            if (port && !strcmp(port, "true")) { /* x86 ports, served from the trace */
                uint64_t first, last;
                if (num(d, n, "first", &first, true) || num(d, n, "last", &last, true))
                    return -1;
                if (last > 0xffff || first > last)
                    return rfail(d, n, "bad port range");
                dev->port = true;
                dev->model = SCN_MODEL_HANDLER;
                dev->irq = -1;
                dev->base = first;
                dev->size = last - first + 1;
                s->ndevices++;
                continue;
            }
            if (num(d, n, "base", &dev->base, true) || num(d, n, "size", &dev->size, true))
                return -1;
            const char *model = str(get(d, n, "model"));
            dev->model = SCN_MODEL_HANDLER; /* served from the trace */
            dev->irq = -1;
            if (model && !strcmp(model, "pl011"))
                dev->model = SCN_MODEL_PL011; /* still served from the trace: see add_devices */
            if (model && !strcmp(model, "gicv2")) {
                uint64_t nirqs = 128;
                dev->model = SCN_MODEL_GICV2;
                if (num(d, n, "cpu_interface", &dev->cpu_base, true) || num(d, n, "irqs", &nirqs, false) < 0)
                    return -1;
                dev->nirqs = (uint32_t)nirqs;
            }
            dev->path = path && !strcmp(path, "exit")   ? SCN_PATH_EXIT
                        : path && !strcmp(path, "fast") ? SCN_PATH_FAST
                                                        : 0;
            s->ndevices++;
        }
    if (!img)
        return rfail(d, m, "machine needs an 'image'");
    if (num(d, img, "entry", &rf->image.entry, true))
        return -1;
    yaml_node_t *segs = get(d, img, "segments");
    if (!segs || segs->type != YAML_SEQUENCE_NODE)
        return rfail(d, img, "image needs 'segments'");
    for (yaml_node_item_t *i = segs->data.sequence.items.start; i < segs->data.sequence.items.top; i++) {
        yaml_node_t *n = yaml_document_get_node(&d->doc, *i);
        if (rf->image.nseg == sizeof(rf->image.seg) / sizeof(rf->image.seg[0]))
            return rfail(d, n, "too many segments");
        uint8_t *b = NULL;
        size_t len = 0;
        uint64_t addr = 0;
        if (num(d, n, "address", &addr, true) || hexbytes(d, get(d, n, "hex"), &b, &len))
            return -1;
        uint8_t *all = realloc(rf->image.bytes, rf->image.len + len + 1);
        if (!all) {
            free(b);
            return rfail(d, n, "out of memory");
        }
        memcpy(all + rf->image.len, b, len);
        free(b);
        rf->image.bytes = all;
        rf->image.seg[rf->image.nseg].addr = addr;
        rf->image.seg[rf->image.nseg].off = rf->image.len;
        rf->image.seg[rf->image.nseg].len = len;
        rf->image.nseg++;
        rf->image.len += len;
    }
    rf->image.load = rf->image.nseg ? rf->image.seg[0].addr : s->ram[0].base;
    yaml_node_t *regs = get(d, m, "registers");
    if (regs && regs->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *p = regs->data.mapping.pairs.start; p < regs->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(&d->doc, p->key), *val = yaml_document_get_node(&d->doc, p->value);
            const char *kn = str(k), *vs = str(val);
            int reg = !kn ? -1 : s->arch == SCN_ARCH_X86_64 ? vmf_x86_reg_by_name(kn) : arm64_reg_number(kn);
            if (reg < 0 || !vs || s->nregs == SCN_MAX_REGS)
                return rfail(d, k, "bad register '%s'", kn ? kn : "?");
            s->regs[s->nregs].reg = (uint8_t)reg;
            s->regs[s->nregs].value = strtoull(vs, NULL, 0);
            s->nregs++;
        }
    yaml_node_t *evs = get(d, m, "events");
    if (evs && evs->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *i = evs->data.sequence.items.start; i < evs->data.sequence.items.top; i++) {
            yaml_node_t *n = yaml_document_get_node(&d->doc, *i);
            uint64_t at, irq;
            const char *lv = str(get(d, n, "level"));
            if (s->nevents == SCN_MAX_EVENTS || num(d, n, "at", &at, true) || num(d, n, "irq", &irq, true) || !lv)
                return rfail(d, n, "bad event");
            s->events[s->nevents++] = (struct scn_event){.at = at, .irq = (uint32_t)irq, .level = !strcmp(lv, "high")};
        }
    yaml_node_t *plat = get(d, m, "platform");
    if (plat) {
        const char *exc = str(get(d, plat, "exceptions")), *psci = str(get(d, plat, "psci")),
                   *dtb = str(get(d, plat, "dtb")), *args = str(get(d, plat, "bootargs"));
        s->platform.exceptions = exc && !strcmp(exc, "deliver");
        s->platform.psci = psci && !strcmp(psci, "hvc") ? 1 : psci && !strcmp(psci, "smc") ? 2 : 0;
        s->platform.dtb = dtb && !strcmp(dtb, "true");
        if (args)
            snprintf(s->platform.bootargs, sizeof(s->platform.bootargs), "%s", args);
        if (num(d, plat, "dtb_address", &s->platform.dtb_address, false) < 0 ||
            num(d, plat, "quantum", &s->platform.quantum, false) < 0)
            return -1;
    }
    yaml_node_t *x86 = get(d, m, "x86");
    if (x86 && read_x86(d, x86, s))
        return -1;
    yaml_node_t *stop = get(d, m, "stop");
    s->max_instructions = 1000000;
    s->stop_on_wfi = true;
    if (stop) {
        if (num(d, stop, "max_instructions", &v, false) == 0)
            s->max_instructions = v;
        const char *w = str(get(d, stop, "wfi"));
        if (w)
            s->stop_on_wfi = !strcmp(w, "true");
        if (num(d, stop, "pc", &s->stop_pc, false) == 0)
            s->has_stop_pc = true;
    }
    return d->err->message[0] ? -1 : 0;
}

static int device_index(const struct scenario *s, const char *name)
{
    for (size_t i = 0; i < s->ndevices; i++)
        if (!strcmp(s->devices[i].name, name))
            return (int)i;
    return TR_NO_DEVICE;
}

static int result_from_name(const char *n)
{
    for (int i = VMF_RESULT_HANDLED; i <= VMF_RESULT_ERROR; i++)
        if (!strcmp(vmf_fault_result_name(i), n))
            return i;
    return -1;
}

static bool flag(struct rd *d, yaml_node_t *n, const char *key)
{
    const char *v = str(get(d, n, key));
    return v && !strcmp(v, "true");
}

/* The inverse of put_x86. */
static int read_x86_event(struct rd *d, yaml_node_t *n, struct replay_file *rf, const char *kind, struct tr_event *e)
{
    uint64_t v = 0;
    e->kind = TR_X86;
    const char *res = str(get(d, n, "result"));
    int k = tr_x86_kind_from_name(kind), rr = res ? tr_x86_result_from_name(res) : -1;
    if (k < 0 || rr < 0)
        return rfail(d, n, "an x86 event needs a known kind and 'result'");
    e->xexit = (uint8_t)k;
    e->result = (uint8_t)rr;
    e->device = TR_NO_DEVICE;
    if (num(d, n, "pc", &e->pc, true) || num(d, n, "cpu", &v, false) < 0)
        return -1;
    e->cpu = (uint8_t)v;
    switch (k) {
    case VMF_EXIT_INOUT: {
        const char *dir = str(get(d, n, "dir")), *dev = str(get(d, n, "device"));
        if (num(d, n, "port", &e->code, true) || num(d, n, "size", &v, true) || num(d, n, "value", &e->data, true))
            return -1;
        if (!dir || (strcmp(dir, "in") && strcmp(dir, "out")) || e->code > 0xffff || (v != 1 && v != 2 && v != 4))
            return rfail(d, n, "bad inout event");
        e->size = (uint8_t)v;
        e->dir = !strcmp(dir, "in") ? 1 : 2;
        e->flags = (uint8_t)((flag(d, n, "string") ? TR_X86_STRING : 0) | (flag(d, n, "rep") ? TR_X86_REP : 0));
        if (dev && strcmp(dev, "none"))
            e->device = (uint8_t)device_index(rf->scenario, dev);
        break;
    }
    case VMF_EXIT_CPUID: {
        uint64_t r[4];
        if (num(d, n, "leaf", &e->code, true) || num(d, n, "subleaf", &v, true) || num(d, n, "eax", &r[0], true) ||
            num(d, n, "ebx", &r[1], true) || num(d, n, "ecx", &r[2], true) || num(d, n, "edx", &r[3], true))
            return -1;
        e->sub = (uint32_t)v;
        e->data = (r[0] & 0xffffffffu) | (r[1] & 0xffffffffu) << 32;
        e->data2 = (r[2] & 0xffffffffu) | (r[3] & 0xffffffffu) << 32;
        break;
    }
    case VMF_EXIT_RDMSR:
    case VMF_EXIT_WRMSR:
        if (num(d, n, "msr", &e->code, true) || num(d, n, "value", &e->data, true))
            return -1;
        break;
    case VMF_EXIT_VMCALL: {
        if (num(d, n, "nr", &e->code, true) || num(d, n, "value", &e->data, true))
            return -1;
        yaml_node_t *args = get(d, n, "args");
        if (!args)
            break;
        if (args->type != YAML_SEQUENCE_NODE || args->data.sequence.items.top - args->data.sequence.items.start != 4)
            return rfail(d, n, "'args' must list RBX, RCX, RDX and RSI");
        e->flags = TR_X86_ARGS;
        for (int a = 0; a < 4; a++) {
            const char *as = str(item(d, args->data.sequence.items.start + a));
            char *end;
            if (!as || !*as || *as == '-')
                return rfail(d, n, "bad 'args'");
            e->args[a] = strtoull(as, &end, 0);
            if (*end)
                return rfail(d, n, "bad 'args'");
        }
        break;
    }
    case VMF_EXIT_INVD: e->sub = flag(d, n, "wbinvd"); break;
    default: break;
    }
    return d->err->message[0] ? -1 : 0;
}

static int read_events(struct rd *d, yaml_node_t *evs, struct replay_file *rf)
{
    if (!evs || evs->type != YAML_SEQUENCE_NODE)
        return rfail(d, evs, "'events' must be a list");
    for (yaml_node_item_t *i = evs->data.sequence.items.start; i < evs->data.sequence.items.top; i++) {
        yaml_node_t *n = yaml_document_get_node(&d->doc, *i);
        struct tr_event e;
        memset(&e, 0, sizeof(e));
        uint64_t v;
        if (num(d, n, "t", &e.t, true))
            return -1;
        const char *fault = str(get(d, n, "fault")), *exitn = str(get(d, n, "exit")), *x86 = str(get(d, n, "x86"));
        if (x86) {
            if (read_x86_event(d, n, rf, x86, &e))
                return -1;
        } else if (fault) {
            e.kind = TR_FAULT;
            e.dir = !strcmp(fault, "write") ? 2 : 1;
            const char *res = str(get(d, n, "result")), *dev = str(get(d, n, "device"));
            int rr = res ? result_from_name(res) : -1;
            if (rr < 0)
                return rfail(d, n, "fault needs a known 'result'");
            e.result = (uint8_t)rr;
            e.device = (uint8_t)(dev ? device_index(rf->scenario, dev) : TR_NO_DEVICE);
            if (num(d, n, "pc", &e.pc, true) || num(d, n, "address", &e.addr, true) ||
                num(d, n, "data", &e.data, true) || num(d, n, "insn", &v, true))
                return -1;
            e.insn = (uint32_t)v;
            if (num(d, n, "size", &v, true))
                return -1;
            e.size = (uint8_t)v;
            if (num(d, n, "cpu", &v, false) == 0)
                e.cpu = (uint8_t)v;
            if (num(d, n, "part", &v, false) == 0)
                e.part = (uint8_t)v;
            if (num(d, n, "parts", &v, false) == 0)
                e.parts = (uint8_t)v;
        } else if (exitn) {
            e.kind = TR_EXIT;
            int reason = tr_exit_from_name(exitn);
            if (reason < 0)
                return rfail(d, n, "unknown exit '%s'", exitn);
            e.reason = (uint8_t)reason;
            if (num(d, n, "pc", &e.pc, true))
                return -1;
            if (num(d, n, "status", &v, false) == 0)
                e.status = (uint32_t)v;
        } else {
            e.kind = TR_IRQ;
            const char *lv = str(get(d, n, "level")), *dev = str(get(d, n, "device"));
            e.device = (uint8_t)(dev ? device_index(rf->scenario, dev) : TR_NO_DEVICE);
            if (num(d, n, "irq", &v, true) || !lv)
                return rfail(d, n, "an event is a fault, an irq or an exit");
            e.line = (uint32_t)v;
            e.level = !strcmp(lv, "high");
        }
        if (d->err->message[0] || trace_push(&rf->trace, &e))
            return rfail(d, n, "cannot read this event");
    }
    return 0;
}

int replay_load(const char *path, struct replay_file *rf, struct scn_error *err)
{
    memset(rf, 0, sizeof(*rf));
    memset(err, 0, sizeof(*err));
    struct rd d = {.path = path, .err = err};
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        snprintf(err->message, sizeof(err->message), "cannot open the trace");
        return -1;
    }
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int ok = yaml_parser_load(&p, &d.doc);
    fclose(f);
    if (!ok) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        err->line = (uint32_t)p.problem_mark.line + 1;
        err->col = (uint32_t)p.problem_mark.column + 1;
        snprintf(err->message, sizeof(err->message), "YAML syntax: %s", p.problem ? p.problem : "error");
        yaml_parser_delete(&p);
        return -1;
    }
    yaml_parser_delete(&p);
    int rc = -1;
    yaml_node_t *root = yaml_document_get_root_node(&d.doc);
    rf->scenario = calloc(1, sizeof(*rf->scenario));
    if (!rf->scenario) {
        rfail(&d, root, "out of memory");
        goto out;
    }
    if (!root || root->type != YAML_MAPPING_NODE || !get(&d, root, "vmfault-trace")) {
        rfail(&d, root, "not a vmfault trace (no 'vmfault-trace' key)");
        goto out;
    }
    struct scenario *s = rf->scenario;
    snprintf(s->files[0], sizeof(s->files[0]), "%s", path);
    s->nfiles = 1;
    const char *name = str(get(&d, root, "scenario")), *pathn = str(get(&d, root, "path")),
               *digest = str(get(&d, root, "digest"));
    snprintf(s->name, sizeof(s->name), "%s", name ? name : "replay");
    rf->path = pathn && !strcmp(pathn, "exit") ? SCN_PATH_EXIT : SCN_PATH_FAST;
    if (!digest || strlen(digest) != 64) {
        rfail(&d, root, "missing or malformed 'digest'");
        goto out;
    }
    snprintf(rf->digest, sizeof(rf->digest), "%s", digest);
    if (read_machine(&d, get(&d, root, "machine"), rf) || read_events(&d, get(&d, root, "events"), rf))
        goto out;
    rc = 0;
out:
    yaml_document_delete(&d.doc);
    if (rc)
        replay_free(rf);
    return rc;
}

void replay_free(struct replay_file *rf)
{
    if (rf->scenario)
        scenario_free(rf->scenario);
    guest_free(&rf->image);
    trace_free(&rf->trace);
    memset(rf, 0, sizeof(*rf));
}
