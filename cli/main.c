/* vmfault command — entry point and sub-command dispatch.  Only cli/ exits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("usage: vmfault COMMAND [ARGS]\n"
          "\n"
          "commands:\n"
          "  decode --arch arm64|x86-64 HEX [--pc ADDR]\n"
          "                                        decode one instruction's data access as YAML\n"
          "  run SCENARIO [--path fast|exit] [--trace FILE] [--explain]\n"
          "                                        run a scenario, check its expectations, print the digest\n"
          "  record SCENARIO -o TRACE.yaml         run and write the trace\n"
          "  replay TRACE.yaml                     re-run a trace with device reads served from it\n"
          "  demo [--path fast|exit]               run the demo guest and print every fault\n"
          "  help                                  this text\n",
          out);
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "decode"))
        return cmd_decode(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo"))
        return cmd_demo(argc - 1, argv + 1);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "record"))
        return cmd_record(argc - 1, argv + 1);
    if (!strcmp(cmd, "replay"))
        return cmd_replay(argc - 1, argv + 1);
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "vmfault: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
