/* vmfault decode --arch x86-64 — the same YAML keys as AArch64 (mnemonic,
 * text, length, size, access, register, sign_extend) plus the x86 fields. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vmfault/decode_x86.h"

static const char *reg_name(unsigned r, unsigned size, bool high8)
{
    static const char *const q[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    static const char *const d[] = {"eax", "ecx", "edx",  "ebx",  "esp",  "ebp",  "esi",  "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    static const char *const w[] = {"ax",  "cx",  "dx",   "bx",   "sp",   "bp",   "si",   "di",
                                    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    static const char *const b[] = {"al",  "cl",  "dl",   "bl",   "spl",  "bpl",  "sil",  "dil",
                                    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
    static const char *const h[] = {"ah", "ch", "dh", "bh"};
    static const char *const x[] = {"xmm0", "xmm1", "xmm2",  "xmm3",  "xmm4",  "xmm5",  "xmm6",  "xmm7",
                                    "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"};
    static const char *const y[] = {"ymm0", "ymm1", "ymm2",  "ymm3",  "ymm4",  "ymm5",  "ymm6",  "ymm7",
                                    "ymm8", "ymm9", "ymm10", "ymm11", "ymm12", "ymm13", "ymm14", "ymm15"};
    if (r == VMF_X86_NO_REG)
        return "none";
    if (r == VMF_X86_RIP)
        return "rip";
    if (r >= VMF_X86_XMM0 && r < VMF_X86_XMM0 + 16)
        return size == 32 ? y[r - VMF_X86_XMM0] : x[r - VMF_X86_XMM0];
    if (r > 15)
        return "?";
    if (high8 && r < 4)
        return h[r];
    return size == 8 ? q[r] : size == 4 ? d[r] : size == 2 ? w[r] : b[r];
}

static const char *op_name(unsigned op)
{
    static const char *const n[] = {"none",  "mov",     "movsx", "movzx", "alu",   "test",  "unary",
                                    "shift", "bittest", "xchg",  "push",  "pop",   "movs",  "stos",
                                    "lods",  "cmps",    "scas",  "other", "setcc", "cmovcc"};
    return op < sizeof(n) / sizeof(n[0]) ? n[op] : "?";
}

static const char *access_name(unsigned a)
{
    return a == VMF_ACCESS_READ ? "read" : a == VMF_ACCESS_WRITE ? "write" : "read-write";
}

static void print_mem(const char *key, const vmf_x86_mem *m)
{
    printf("%s: {base: %s, index: %s, scale: %u, disp: %lld, address_size: %u, access: %s}\n", key,
           reg_name(m->base, 8, false), reg_name(m->index, 8, false), m->scale, (long long)m->disp, m->addr_size,
           access_name(m->access));
}

int cli_decode_x86(const uint8_t *bytes, size_t n, uint64_t pc)
{
    char text[128];
    if (vmf_x86_disasm(bytes, n, pc, text, sizeof(text)) != VMF_OK)
        snprintf(text, sizeof(text), "(unknown)");
    vmf_x86_access a;
    int st = vmf_x86_decode(bytes, n, &a);
    if (st == VMF_ENOTMEM) {
        fprintf(stderr, "vmfault decode: %s does not access data memory\n", text);
        return 1;
    }
    if (st) {
        fprintf(stderr, "vmfault decode: %s: %s%s%s\n", text, vmf_strerror(st), a.mnemonic[0] ? ": " : "", a.mnemonic);
        return 1;
    }
    printf("arch: x86-64\n");
    printf("rip: 0x%llx\n", (unsigned long long)pc);
    printf("mnemonic: %s\n", a.mnemonic);
    printf("text: \"%s\"\n", text);
    printf("length: %u\n", a.length);
    printf("size: %u\n", a.size);
    printf("access: %s\n", access_name(a.access));
    printf("register: %s\n", reg_name(a.reg, a.reg_size, a.reg_high8));
    printf("register_size: %u\n", a.reg_size);
    printf("sign_extend: %s\n", a.sign_extend ? "true" : "false");
    printf("zero_extend: %s\n", a.zero_extend ? "true" : "false");
    if (a.has_imm)
        printf("immediate: %lld\n", (long long)a.imm);
    printf("op: %s\n", op_name(a.op));
    printf("memory_operands: %u\n", a.nmem);
    print_mem("memory", &a.mem[0]);
    if (a.nmem > 1)
        print_mem("memory2", &a.mem[1]);
    printf("rip_relative: %s\n", a.mem[0].base == VMF_X86_RIP ? "true" : "false");
    printf("string: %s\n", a.string ? "true" : "false");
    printf("rep: %s\n", a.rep ? "true" : "false");
    printf("repne: %s\n", a.repne ? "true" : "false");
    printf("lock: %s\n", a.lock ? "true" : "false");
    printf("writes_flags: %s\n", a.writes_flags ? "true" : "false");
    printf("prefixes: 0x%x\n", a.prefixes);
    return 0;
}
