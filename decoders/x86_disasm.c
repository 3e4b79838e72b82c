/* vmfault — x86-64 disassembly text through the Zydis 4 formatter.
 *
 * Off the hot path (explain output, traces): a decoder and an Intel-style
 * formatter are set up on the stack per call, so the function is stateless
 * and thread-safe.  The style follows GNU objdump -M intel in lower case:
 * size casts always printed ("dword ptr"), hexadecimal without padding
 * ("[rax+0x4]").  RIP-relative operands are printed as the absolute address
 * they resolve to for `rip` ("[0x1016]"), branch targets likewise.  The
 * text is truncated to buflen-1 characters and always NUL-terminated.
 * Decoding uses the same settings as vmf_x86_decode() (64-bit mode, MPX
 * off); UD0/UD1/UD2 are valid text here even though the decoder reports
 * them as VMF_EUNDEF.
 */
#include "vmfault/decode_x86.h"

#include <string.h>

#include <Zydis/Zydis.h>

static bool set_props(ZydisFormatter *f)
{
    static const struct {
        ZydisFormatterProperty prop;
        ZyanUPointer value;
    } props[] = {
        {ZYDIS_FORMATTER_PROP_FORCE_SIZE, ZYAN_TRUE},
        {ZYDIS_FORMATTER_PROP_HEX_UPPERCASE, ZYAN_FALSE},
        {ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE, (ZyanUPointer)ZYDIS_PADDING_DISABLED},
        {ZYDIS_FORMATTER_PROP_ADDR_PADDING_RELATIVE, (ZyanUPointer)ZYDIS_PADDING_DISABLED},
        {ZYDIS_FORMATTER_PROP_DISP_PADDING, (ZyanUPointer)ZYDIS_PADDING_DISABLED},
        {ZYDIS_FORMATTER_PROP_IMM_PADDING, (ZyanUPointer)ZYDIS_PADDING_DISABLED},
    };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
        if (!ZYAN_SUCCESS(ZydisFormatterSetProperty(f, props[i].prop, props[i].value)))
            return false;
    return true;
}

int vmf_x86_disasm(const uint8_t *bytes, size_t len, uint64_t rip, char *buf, size_t buflen)
{
    ZydisDecoder dec;
    ZydisFormatter fmt;
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    char text[256];
    size_t n;

    if (bytes == NULL || buf == NULL || buflen == 0)
        return VMF_EINVAL;
    buf[0] = '\0';
    if (len == 0)
        return VMF_EUNDEF;

    if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
        !ZYAN_SUCCESS(ZydisDecoderEnableMode(&dec, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE)) ||
        !ZYAN_SUCCESS(ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL)) || !set_props(&fmt))
        return VMF_EINVAL; /* cannot happen with these constant arguments */
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes, len, &in, ops)))
        return VMF_EUNDEF;
    if (!ZYAN_SUCCESS(
            ZydisFormatterFormatInstruction(&fmt, &in, ops, in.operand_count_visible, text, sizeof text, rip, NULL)))
        return VMF_EUNDEF;

    n = strlen(text);
    if (n >= buflen)
        n = buflen - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    return VMF_OK;
}
