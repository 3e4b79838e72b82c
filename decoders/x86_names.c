/* vmfault — names for what the x86-64 decoder reports (registers by width,
 * operation classes, sub-operations), shared by `vmfault decode` and
 * --explain so both spell them alike. */
#include "vmfault/decode_x86.h"

const char *vmf_x86_reg_text(unsigned reg, unsigned size, bool high8)
{
    // clang-format off
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
    // clang-format on
    if (reg == VMF_X86_RIP)
        return "rip";
    if (reg >= VMF_X86_XMM0 && reg < VMF_X86_XMM0 + 16)
        return size == 32 ? y[reg - VMF_X86_XMM0] : x[reg - VMF_X86_XMM0];
    if (reg > 15)
        return NULL;
    if (high8 && reg < 4)
        return h[reg];
    return size == 8 ? q[reg] : size == 4 ? d[reg] : size == 2 ? w[reg] : b[reg];
}

const char *vmf_x86_op_name(unsigned op)
{
    static const char *const n[] = {"none",  "mov",     "movsx", "movzx", "alu",   "test",  "unary",
                                    "shift", "bittest", "xchg",  "push",  "pop",   "movs",  "stos",
                                    "lods",  "cmps",    "scas",  "other", "setcc", "cmovcc"};
    return op < sizeof(n) / sizeof(n[0]) ? n[op] : "?";
}

const char *vmf_x86_subop_name(unsigned subop)
{
    switch (subop) {
    case VMF_X86_ADD: return "add";
    case VMF_X86_OR: return "or";
    case VMF_X86_ADC: return "adc";
    case VMF_X86_SBB: return "sbb";
    case VMF_X86_AND: return "and";
    case VMF_X86_SUB: return "sub";
    case VMF_X86_XOR: return "xor";
    case VMF_X86_CMP: return "cmp";
    case VMF_X86_INC: return "inc";
    case VMF_X86_DEC: return "dec";
    case VMF_X86_NOT: return "not";
    case VMF_X86_NEG: return "neg";
    case VMF_X86_ROL: return "rol";
    case VMF_X86_ROR: return "ror";
    case VMF_X86_RCL: return "rcl";
    case VMF_X86_RCR: return "rcr";
    case VMF_X86_SHL: return "shl";
    case VMF_X86_SHR: return "shr";
    case VMF_X86_SAR: return "sar";
    case VMF_X86_SHLD: return "shld";
    case VMF_X86_SHRD: return "shrd";
    case VMF_X86_BT: return "bt";
    case VMF_X86_BTS: return "bts";
    case VMF_X86_BTR: return "btr";
    case VMF_X86_BTC: return "btc";
    case VMF_X86_XCHG: return "xchg";
    case VMF_X86_CMPXCHG: return "cmpxchg";
    case VMF_X86_CMPXCHG8B: return "cmpxchg8b";
    case VMF_X86_CMPXCHG16B: return "cmpxchg16b";
    case VMF_X86_XADD: return "xadd";
    default: return NULL;
    }
}
