/* vmfault decode --arch x86-64 — the same YAML keys as AArch64 (mnemonic,
 * text, length, size, access, register, sign_extend) plus the x86 fields. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vmfault/decode_x86.h"

static const char *reg_name(unsigned r, unsigned size, bool high8)
{
    const char *t = vmf_x86_reg_text(r, size, high8);
    return t ? t : r == VMF_X86_NO_REG ? "none" : "?";
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
    printf("op: %s\n", vmf_x86_op_name(a.op));
    printf("subop: %s\n", vmf_x86_subop_name(a.subop) ? vmf_x86_subop_name(a.subop) : "none");
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
