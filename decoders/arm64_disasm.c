/* vmfault — AArch64 disassembly text through Capstone (4.0.2 API).
 *
 * Off the hot path: one Capstone handle is opened and closed per call, so the
 * function is stateless and thread-safe.  Capstone 4.0.2 knows the Armv8.0
 * base ISA but not LSE atomics, LDAPR/LDAPUR, LDLAR/STLLR or LDRAA/LDRAB;
 * for those (and for 0x00000000) it finds no instruction and this returns
 * VMF_EUNDEF even though vmf_arm64_decode() may accept the word.
 */
#include "vmfault/decode_arm64.h"

#include <stdio.h>

#include <capstone/capstone.h>

int vmf_arm64_disasm(uint32_t insn, uint64_t pc, char *buf, size_t len)
{
    const uint8_t code[4] = {(uint8_t)insn, (uint8_t)(insn >> 8), (uint8_t)(insn >> 16), (uint8_t)(insn >> 24)};
    csh handle;
    cs_insn *ci = NULL;
    cs_err err;
    size_t n;
    int status = VMF_OK;

    if (buf == NULL || len == 0)
        return VMF_EINVAL;
    buf[0] = '\0';

    err = cs_open(CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN, &handle);
    if (err != CS_ERR_OK)
        return err == CS_ERR_MEM ? VMF_ENOMEM : VMF_EUNSUPP;

    n = cs_disasm(handle, code, sizeof code, pc, 1, &ci);
    if (n == 0) {
        status = VMF_EUNDEF;
    } else {
        if (ci[0].op_str[0] != '\0')
            snprintf(buf, len, "%s %s", ci[0].mnemonic, ci[0].op_str);
        else
            snprintf(buf, len, "%s", ci[0].mnemonic);
        cs_free(ci, n);
    }
    cs_close(&handle);
    return status;
}
