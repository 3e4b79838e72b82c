/* vmfault command — shared declarations of the sub-commands. */
#ifndef VMFAULT_CLI_H
#define VMFAULT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int cmd_decode(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);

/* decode_x86.c: print the x86-64 decoding of bytes[0..n) as YAML; an exit status. */
int cli_decode_x86(const uint8_t *bytes, size_t n, uint64_t pc);

/* Parse an unsigned number (decimal, or hex with 0x); false on junk or overflow. */
bool cli_parse_u64(const char *s, uint64_t *out);

#endif
