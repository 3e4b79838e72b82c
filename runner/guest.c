/* vmfault runner — the guest program: assembly text (GNU as and ld for the
 * architecture), hex bytes, or a file (ELF64 or a flat binary).
 *
 * arm64: aarch64-linux-gnu-as -march=armv8.5-a+rng, aarch64-linux-gnu-ld -N.
 * x86-64: x86_64-linux-gnu-as --64 and x86_64-linux-gnu-ld -m elf_x86_64 -N,
 * or the host's plain `as` and `ld` when the prefixed ones are not installed
 * (an x86-64 host's own binutils).  GNU as reads AT&T syntax unless the
 * source itself starts with `.intel_syntax noprefix`; 64-bit code (--64). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/runner.h"

#define GUEST_MAX (64u << 20)

static int fail(struct scn_error *err, const struct scenario *s, struct scn_loc loc, uint32_t line_offset,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(struct scn_error *err, const struct scenario *s, struct scn_loc loc, uint32_t line_offset,
                const char *fmt, ...)
{
    snprintf(err->file, sizeof(err->file), "%s", s->files[loc.file < s->nfiles ? loc.file : 0]);
    err->line = loc.line + line_offset;
    err->col = line_offset ? 1 : loc.col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

void guest_free(struct guest_image *img)
{
    free(img->bytes);
    memset(img, 0, sizeof(*img));
}

static uint64_t rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* ELF64 little-endian AArch64 or x86-64: PT_LOAD segments at their physical addresses. */
static int load_elf(const struct scenario *s, struct guest_image *img, uint8_t *buf, size_t len, struct scn_error *err)
{
    const char *what = NULL;
    bool x86 = s->arch == SCN_ARCH_X86_64;
    if (len < 64 || buf[4] != 2 || buf[5] != 1)
        what = "not a little-endian ELF64 file";
    else if (!x86 && rd(buf + 18, 2) != 183)
        what = "not an AArch64 ELF file (e_machine != EM_AARCH64)";
    else if (x86 && rd(buf + 18, 2) != 62)
        what = "not an x86-64 ELF file (e_machine != EM_X86_64)";
    if (what)
        return fail(err, s, s->guest_loc, 0, "guest file: %s", what);
    uint64_t phoff = rd(buf + 32, 8), phentsize = rd(buf + 54, 2), phnum = rd(buf + 56, 2);
    if (phentsize < 56 || phoff > len || phnum > (len - phoff) / phentsize)
        return fail(err, s, s->guest_loc, 0, "guest file: program headers out of bounds");
    /* Build a new image holding only the loadable bytes (memsz, zero-filled). */
    size_t total = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = buf + phoff + i * phentsize;
        if (rd(ph, 4) != 1)
            continue;
        uint64_t off = rd(ph + 8, 8), paddr = rd(ph + 24, 8), filesz = rd(ph + 32, 8), memsz = rd(ph + 40, 8);
        if (off > len || filesz > len - off || filesz > memsz || memsz > GUEST_MAX || total + memsz > GUEST_MAX)
            return fail(err, s, s->guest_loc, 0, "guest file: segment %llu out of bounds", (unsigned long long)i);
        if (img->nseg == sizeof(img->seg) / sizeof(img->seg[0]))
            return fail(err, s, s->guest_loc, 0, "guest file: more than 8 loadable segments");
        img->seg[img->nseg].addr = paddr;
        img->seg[img->nseg].off = total;
        img->seg[img->nseg].len = memsz;
        img->nseg++;
        total += memsz;
    }
    if (!img->nseg)
        return fail(err, s, s->guest_loc, 0, "guest file: no loadable segment");
    uint8_t *out = calloc(1, total);
    if (!out)
        return fail(err, s, s->guest_loc, 0, "guest file: out of memory");
    size_t k = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = buf + phoff + i * phentsize;
        if (rd(ph, 4) != 1)
            continue;
        memcpy(out + img->seg[k].off, buf + rd(ph + 8, 8), rd(ph + 32, 8));
        k++;
    }
    img->bytes = out;
    img->len = total;
    img->load = img->seg[0].addr;
    img->entry = s->has_entry ? s->entry : rd(buf + 24, 8);
    free(buf);
    return 0;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap >= GUEST_MAX) {
            free(buf);
            buf = NULL;
            break;
        }
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        return -1;
    *out = buf;
    *len = n;
    return 0;
}

/* Run argv with stderr to errpath; the exit status, or -1. */
static int run_tool(char *const argv[], const char *errpath)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        FILE *e = freopen(errpath, "w", stderr);
        (void)e;
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void copy_str(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* The first assembler diagnostic, and its line in the source. */
static void first_diagnostic(const char *errpath, char *msg, size_t len, uint32_t *line)
{
    *line = 0;
    snprintf(msg, len, "failed");
    FILE *f = fopen(errpath, "r");
    if (!f)
        return;
    char buf[512];
    while (fgets(buf, sizeof(buf), f)) {
        char *nl = strchr(buf, '\n');
        if (nl)
            *nl = 0;
        if (strstr(buf, "Assembler messages:"))
            continue;
        /* "/tmp/.../guest.s:3: Error: unknown mnemonic `lodr' -- `lodr w1,[x0]'" */
        char *p = strstr(buf, ".s:");
        if (p) {
            *line = (uint32_t)strtoul(p + 3, &p, 10);
            if (*p == ':')
                p++;
            while (*p == ' ')
                p++;
            copy_str(msg, len, p);
        } else {
            copy_str(msg, len, buf);
        }
        break;
    }
    fclose(f);
}

static int assemble(const struct scenario *s, struct guest_image *img, struct scn_error *err)
{
    char dir[] = "/tmp/vmfault-asm-XXXXXX";
    if (!mkdtemp(dir))
        return fail(err, s, s->guest_loc, 0, "cannot make a temporary directory: %s", strerror(errno));
    char src[64], obj[64], elf[64], errs[64], ttext[40];
    snprintf(src, sizeof(src), "%s/guest.s", dir);
    snprintf(obj, sizeof(obj), "%s/guest.o", dir);
    snprintf(elf, sizeof(elf), "%s/guest.elf", dir);
    snprintf(errs, sizeof(errs), "%s/errors", dir);
    uint64_t load = s->has_load ? s->load : s->ram[0].base;
    snprintf(ttext, sizeof(ttext), "-Ttext=0x%llx", (unsigned long long)load);
    int rc = -1;
    FILE *f = fopen(src, "w");
    if (!f) {
        fail(err, s, s->guest_loc, 0, "cannot write %s", src);
        goto out;
    }
    fputs(".text\n.global _start\n_start:\n", f); /* 3 lines ahead of the user's first */
    fputs(s->guest_text, f);
    fputs("\n", f);
    fclose(f);
    bool x86 = s->arch == SCN_ARCH_X86_64;
    char *as_arm[] = {"aarch64-linux-gnu-as", "-march=armv8.5-a+rng", "-o", obj, src, NULL};
    char *as_x86[] = {"x86_64-linux-gnu-as", "--64", "-o", obj, src, NULL};
    int st = run_tool(x86 ? as_x86 : as_arm, errs);
    if (x86 && st == 127) { /* no prefixed binutils: the host's own (an x86-64 host) */
        as_x86[0] = "as";
        st = run_tool(as_x86, errs);
    }
    if (st != 0) {
        char msg[256];
        uint32_t line;
        first_diagnostic(errs, msg, sizeof(msg), &line);
        if (st == 127)
            fail(err, s, s->guest_loc, 0,
                 x86 ? "assembler x86_64-linux-gnu-as (or as) not found (install binutils)"
                     : "assembler aarch64-linux-gnu-as not found (install binutils-aarch64-linux-gnu)");
        else
            fail(err, s, s->guest_loc, line > 3 ? line - 3 : 0, "assembler: %s", msg);
        goto out;
    }
    /* -N: one segment starting exactly at the load address, no ELF headers in it */
    char *ld_arm[] = {"aarch64-linux-gnu-ld", "-N", ttext, "-e", "_start", "--build-id=none", "-o", elf, obj, NULL};
    char *ld_x86[] = {"x86_64-linux-gnu-ld", "-m", "elf_x86_64", "-N", ttext, "-e", "_start",
                      "--build-id=none",     "-o", elf,          obj,  NULL};
    st = run_tool(x86 ? ld_x86 : ld_arm, errs);
    if (x86 && st == 127) {
        ld_x86[0] = "ld";
        st = run_tool(ld_x86, errs);
    }
    if (st != 0) {
        char msg[256];
        uint32_t line;
        first_diagnostic(errs, msg, sizeof(msg), &line);
        fail(err, s, s->guest_loc, 0, "linker: %s", msg);
        goto out;
    }
    uint8_t *buf;
    size_t len;
    if (read_file(elf, &buf, &len)) {
        fail(err, s, s->guest_loc, 0, "cannot read the assembled guest");
        goto out;
    }
    rc = load_elf(s, img, buf, len, err);
    if (rc)
        free(buf);
    else if (!s->has_entry)
        img->entry = load;
out:
    unlink(src);
    unlink(obj);
    unlink(elf);
    unlink(errs);
    rmdir(dir);
    return rc;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int guest_build(const struct scenario *s, struct guest_image *img, struct scn_error *err)
{
    memset(img, 0, sizeof(*img));
    memset(err, 0, sizeof(*err));
    if (!s->guest_text || s->nram == 0)
        return fail(err, s, s->guest_loc, 0, "the scenario needs a guest and some RAM");
    uint64_t load = s->has_load ? s->load : s->ram[0].base;
    switch (s->guest_kind) {
    case SCN_GUEST_ASM: return assemble(s, img, err);
    case SCN_GUEST_HEX: {
        size_t n = 0, cap = strlen(s->guest_text) / 2 + 1;
        img->bytes = malloc(cap);
        if (!img->bytes)
            return fail(err, s, s->guest_loc, 0, "out of memory");
        int hi = -1;
        for (const char *p = s->guest_text; *p; p++) {
            int v = hexval((unsigned char)*p);
            if (v < 0)
                continue; /* the loader already refused anything but hex and whitespace */
            if (hi < 0) {
                hi = v;
            } else {
                img->bytes[n++] = (uint8_t)(hi << 4 | v);
                hi = -1;
            }
        }
        img->len = n;
        break;
    }
    case SCN_GUEST_FILE: {
        uint8_t *buf;
        size_t len;
        if (read_file(s->guest_text, &buf, &len))
            return fail(err, s, s->guest_loc, 0, "cannot read guest file %s", s->guest_text);
        if (len >= 4 && !memcmp(buf, "\177ELF", 4)) {
            int rc = load_elf(s, img, buf, len, err);
            if (rc)
                free(buf);
            return rc;
        }
        img->bytes = buf;
        img->len = len;
        break;
    }
    default: return fail(err, s, s->guest_loc, 0, "unknown guest kind");
    }
    img->load = load;
    img->entry = s->has_entry ? s->entry : load;
    img->seg[0].addr = load;
    img->seg[0].off = 0;
    img->seg[0].len = img->len;
    img->nseg = 1;
    return 0;
}
