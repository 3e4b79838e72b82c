/* vmfault decode — one instruction's data access, as YAML other tools parse.
 * The keys are stable: mnemonic, text, length, size, access, register,
 * sign_extend, and for Arm isv, sf, ar, esr and the rest of the syndrome. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vmfault/decode_arm64.h"

static const char *access_name(unsigned a)
{
    return a == VMF_ACCESS_READ ? "read" : a == VMF_ACCESS_WRITE ? "write" : "read-write";
}

static const char *mode_name(unsigned m)
{
    static const char *const names[] = {"offset",   "pre-index", "post-index",
                                        "register", "literal",   "post-index-register"};
    return m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

/* Architectural name of a transferred register: w3, xzr, q0, d7 ... */
static void reg_name(const vmf_arm64_access *a, unsigned r, char *buf, size_t len)
{
    if (a->vreg) {
        if (!strcmp(a->mnemonic, "ld1") || !strcmp(a->mnemonic, "st1")) {
            snprintf(buf, len, "v%u", r);
            return;
        }
        const char *v = a->size == 1 ? "b" : a->size == 2 ? "h" : a->size == 4 ? "s" : a->size == 8 ? "d" : "q";
        snprintf(buf, len, "%s%u", v, r);
    } else if (r == 31) {
        snprintf(buf, len, "%s", a->dest64 ? "xzr" : "wzr");
    } else {
        snprintf(buf, len, "%c%u", a->dest64 ? 'x' : 'w', r);
    }
}

static int parse_hex(const char *s, uint8_t *out, size_t max, size_t *n)
{
    size_t len = strlen(s);
    if (len == 0 || len % 2 || len / 2 > max)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)s[i]))
            return -1;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    *n = len / 2;
    return 0;
}

int cmd_decode(int argc, char **argv)
{
    const char *arch = "arm64", *hex = NULL;
    uint64_t pc = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--arch") && i + 1 < argc) {
            arch = argv[++i];
        } else if (!strcmp(argv[i], "--pc") && i + 1 < argc) {
            if (!cli_parse_u64(argv[++i], &pc)) {
                fprintf(stderr, "vmfault decode: --pc '%s' is not a number\n", argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "vmfault decode: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (!hex) {
            hex = argv[i];
        } else {
            fprintf(stderr, "vmfault decode: one instruction at a time ('%s' is extra)\n", argv[i]);
            return 2;
        }
    }
    if (!hex) {
        fprintf(stderr, "usage: vmfault decode --arch arm64|x86-64 HEX [--pc ADDR]\n"
                        "  HEX is the instruction's bytes in memory order: 010040b9 is ldr w1, [x0],\n"
                        "  894804 is mov dword ptr [rax+0x4], ecx\n");
        return 2;
    }
    bool x86 = !strcmp(arch, "x86-64") || !strcmp(arch, "x86_64") || !strcmp(arch, "amd64");
    if (!x86 && strcmp(arch, "arm64") && strcmp(arch, "aarch64")) {
        fprintf(stderr, "vmfault decode: architecture '%s' is not supported (arm64, x86-64)\n", arch);
        return 2;
    }
    uint8_t bytes[16];
    size_t n;
    if (x86) {
        if (parse_hex(hex, bytes, 15, &n)) {
            fprintf(stderr, "vmfault decode: '%s' is not 1 to 15 bytes of hex (an x86 instruction)\n", hex);
            return 2;
        }
        return cli_decode_x86(bytes, n, pc);
    }
    if (parse_hex(hex, bytes, sizeof(bytes), &n) || n != 4) {
        fprintf(stderr, "vmfault decode: '%s' is not 4 bytes of hex (an A64 instruction, memory order)\n", hex);
        return 2;
    }
    uint32_t w = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
    char text[96];
    if (vmf_arm64_disasm(w, pc, text, sizeof(text)) != VMF_OK)
        snprintf(text, sizeof(text), "(unknown)");
    vmf_arm64_access a;
    int st = vmf_arm64_decode(w, &a);
    if (st == VMF_ENOTMEM) {
        fprintf(stderr, "vmfault decode: 0x%08x (%s) does not access data memory\n", w, text);
        return 1;
    }
    if (st) {
        fprintf(stderr, "vmfault decode: 0x%08x (%s): %s%s%s\n", w, text, vmf_strerror(st), a.mnemonic ? ": " : "",
                a.mnemonic ? a.mnemonic : "");
        return 1;
    }
    char reg[16];
    reg_name(&a, a.rt[0], reg, sizeof(reg));
    printf("arch: arm64\n");
    printf("insn: 0x%08x\n", w);
    printf("pc: 0x%llx\n", (unsigned long long)pc);
    printf("mnemonic: %s\n", a.mnemonic);
    printf("text: \"%s\"\n", text);
    printf("length: 4\n");
    printf("size: %u\n", a.size);
    printf("total: %u\n", a.total);
    printf("access: %s\n", access_name(a.access));
    printf("register: %s\n", reg);
    printf("registers: [");
    for (unsigned r = 0; r < a.nregs; r++) {
        reg_name(&a, a.rt[r], reg, sizeof(reg));
        printf("%s%s", r ? ", " : "", reg);
    }
    printf("]\n");
    printf("sign_extend: %s\n", a.sign_extend ? "true" : "false");
    printf("simd: %s\n", a.vreg ? "true" : "false");
    printf("addressing: %s\n", mode_name(a.addr_mode));
    if (a.rn != VMF_A64_NO_REG)
        printf("base: %s\n", a.rn == 31 ? "sp" : (snprintf(reg, sizeof(reg), "x%u", a.rn), reg));
    if (a.rm != VMF_A64_NO_REG)
        printf("index: x%u\n", a.rm);
    if (a.addr_mode != VMF_A64_ADDR_REG)
        printf("offset: %lld\n", (long long)a.imm);
    printf("writeback: %s\n", a.writeback ? "true" : "false");
    printf("acquire_release: %s\n", a.acqrel ? "true" : "false");
    printf("exclusive: %s\n", a.exclusive ? "true" : "false");
    printf("isv: %s\n", a.isv ? "true" : "false");
    printf("sas: %u\n", (a.esr >> 22) & 3);
    printf("sse: %s\n", a.esr >> 21 & 1 ? "true" : "false");
    printf("srt: %u\n", (a.esr >> 16) & 31);
    printf("sf: %s\n", (a.vreg ? false : a.dest64) ? "true" : "false");
    printf("ar: %s\n", a.acqrel ? "true" : "false");
    printf("wnr: %s\n", a.esr >> 6 & 1 ? "true" : "false");
    printf("ec: 0x%02x\n", a.esr >> 26);
    printf("il: %u\n", a.esr >> 25 & 1);
    printf("dfsc: 0x%02x\n", a.esr & 0x3f);
    printf("esr: 0x%08x\n", a.esr);
    return 0;
}
