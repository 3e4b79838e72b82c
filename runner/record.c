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

static const char *reg_name(unsigned reg, char *buf, size_t len)
{
    if (reg <= 30)
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

int record_write(FILE *f, const struct scenario *s, const struct runner_opts *o, const struct run_result *r)
{
    char name[16];
    fputs("# vmfault trace: `vmfault replay` re-runs it with device reads served from the events below\n", f);
    fputs("vmfault-trace: 1\nscenario: ", f);
    put_quoted(f, s->files[0], strlen(s->files[0]));
    fprintf(f, "\npath: %s\nsources:\n", o->path == SCN_PATH_EXIT ? "exit" : "fast");
    for (size_t i = 0; i < s->nfiles; i++)
        put_source(f, s->files[i]);
    fprintf(f, "machine:\n  arch: arm64\n  cpus: %u\n  ram:\n", s->cpus ? s->cpus : 1);
    for (size_t i = 0; i < s->nram; i++)
        fprintf(f, "    - {base: 0x%llx, size: 0x%llx%s}\n", (unsigned long long)s->ram[i].base,
                (unsigned long long)s->ram[i].size, s->ram[i].lazy ? ", lazy: true" : "");
    fputs("  devices:\n", f);
    for (size_t i = 0; i < s->ndevices; i++) {
        const struct scn_device *d = &s->devices[i];
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
    fprintf(f, "  image:\n    entry: 0x%llx\n    segments:\n", (unsigned long long)r->image.entry);
    for (size_t i = 0; i < r->image.nseg; i++) {
        fprintf(f, "      - address: 0x%llx\n        hex: \"", (unsigned long long)r->image.seg[i].addr);
        for (size_t k = 0; k < r->image.seg[i].len; k++)
            fprintf(f, "%02x", r->image.bytes[r->image.seg[i].off + k]);
        fputs("\"\n", f);
    }
    fputs("  registers: {", f);
    for (size_t i = 0; i < s->nregs; i++)
        fprintf(f, "%s%s: 0x%llx", i ? ", " : "", reg_name(s->regs[i].reg, name, sizeof(name)),
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

static int reg_number(const char *name)
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

static int read_machine(struct rd *d, yaml_node_t *m, struct replay_file *rf)
{
    struct scenario *s = rf->scenario;
    uint64_t v;
    if (!m || m->type != YAML_MAPPING_NODE)
        return rfail(d, m, "'machine' must be a mapping");
    s->arch = 1;
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
            int reg = kn ? reg_number(kn) : -1;
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
        const char *fault = str(get(d, n, "fault")), *exitn = str(get(d, n, "exit"));
        if (fault) {
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
