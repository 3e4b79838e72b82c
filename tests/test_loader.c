/* Tests for the YAML scenario loader (runner/scenario_load.c).
 *
 * Inputs are inline strings (named "inline.yaml" in the data directory, so a
 * relative include or guest file resolves there) or files under
 * tests/data/loader/.  Every error test checks the exact file, line, column
 * and message.  Run from the repository root, or set VMF_LOADER_DATA.
 */
#define _POSIX_C_SOURCE 200809L /* mkfifo */
#include <criterion/criterion.h>

#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/scenario.h"

#ifndef LOADER_DATA_DIR
#define LOADER_DATA_DIR "tests/data/loader"
#endif
#define D LOADER_DATA_DIR "/"
#define INLINE D "inline.yaml"

/* A minimal valid scenario to prefix test fragments with. */
#define BASE "arch: arm64\nguest: {hex: \"d503207f\"}\n"

static struct scenario *load_ok_named(const char *text, const char *name)
{
    struct scenario *s = NULL;
    struct scn_error e;
    int rc = scenario_load_string(text, strlen(text), name, &s, &e);
    cr_assert_eq(rc, 0, "unexpected error %s:%u:%u: %s", e.file, e.line, e.col, e.message);
    cr_assert_not_null(s);
    return s;
}

static struct scenario *load_ok(const char *text)
{
    return load_ok_named(text, INLINE);
}

static void check_err(int rc, struct scenario *s, const struct scn_error *e, const char *file, uint32_t line,
                      uint32_t col, const char *msg)
{
    cr_assert_eq(rc, -1, "expected an error, got none");
    cr_assert_null(s);
    cr_expect_str_eq(e->file, file);
    cr_expect_eq(e->line, line, "line %u, want %u (%s)", e->line, line, e->message);
    cr_expect_eq(e->col, col, "col %u, want %u (%s)", e->col, col, e->message);
    cr_expect_str_eq(e->message, msg);
}

static void expect_err_len(const char *text, size_t len, const char *file, uint32_t line, uint32_t col, const char *msg)
{
    struct scenario *s = (struct scenario *)1;
    struct scn_error e;
    memset(&e, 0x55, sizeof e);
    int rc = scenario_load_string(text, len, INLINE, &s, &e);
    check_err(rc, s, &e, file, line, col, msg);
}

static void expect_err(const char *text, uint32_t line, uint32_t col, const char *msg)
{
    expect_err_len(text, strlen(text), INLINE, line, col, msg);
}

static void expect_file_err(const char *path, const char *file, uint32_t line, uint32_t col, const char *msg)
{
    struct scenario *s = (struct scenario *)1;
    struct scn_error e;
    int rc = scenario_load_file(path, &s, &e);
    check_err(rc, s, &e, file, line, col, msg);
}

/* ---- the good full scenario ------------------------------------------------------ */

Test(loader, full_scenario_every_field)
{
    struct scenario *s = NULL;
    struct scn_error e;
    int rc = scenario_load_file(D "full.yaml", &s, &e);
    cr_assert_eq(rc, 0, "%s:%u:%u: %s", e.file, e.line, e.col, e.message);

    cr_assert_eq(s->nfiles, 2);
    cr_expect_str_eq(s->files[0], D "full.yaml");
    cr_expect_str_eq(s->files[1], D "full_platform.yaml");
    cr_expect_str_eq(s->name, "first-mmio-read");
    cr_expect_str_eq(s->description, "one line");
    cr_expect_eq(s->arch, 1);
    cr_expect_eq(s->cpus, 2);

    cr_assert_eq(s->nram, 2);
    cr_expect_eq(s->ram[0].base, 0x40000000);
    cr_expect_eq(s->ram[0].size, 0x10000);
    cr_expect_eq(s->ram[0].loc.file, 1);
    cr_expect_eq(s->ram[0].loc.line, 7);
    cr_expect_eq(s->ram[0].loc.col, 7);
    cr_expect_eq(s->ram[1].base, 0x80000000);
    cr_expect_eq(s->ram[1].size, 0x2000);
    cr_expect_eq(s->ram[1].loc.file, 0);
    cr_expect_eq(s->ram[1].loc.line, 9);
    cr_expect_eq(s->ram[1].loc.col, 7);

    cr_assert_eq(s->ndevices, 4);
    const struct scn_device *u = &s->devices[0];
    cr_expect_str_eq(u->name, "uart0");
    cr_expect_eq(u->model, SCN_MODEL_PL011);
    cr_expect_eq(u->path, SCN_PATH_DEFAULT);
    cr_expect_eq(u->base, 0x09040000);
    cr_expect_eq(u->size, 0x1000);
    cr_expect_eq(u->uart_input_len, 3);
    cr_expect_eq(memcmp(u->uart_input, "abc", 3), 0);
    cr_expect_eq(u->loc.file, 1);
    cr_expect_eq(u->loc.line, 9);
    cr_expect_eq(u->loc.col, 7);

    const struct scn_device *d = &s->devices[1];
    cr_expect_str_eq(d->name, "sensor");
    cr_expect_eq(d->model, SCN_MODEL_REGFILE);
    cr_expect_eq(d->path, SCN_PATH_FAST);
    cr_expect_eq(d->base, 0x09000000);
    cr_expect_eq(d->size, 0x2000);
    cr_expect_eq(d->handler[0], 0);
    cr_expect_eq(d->uart_input_len, 0);
    cr_expect_eq(d->loc.line, 11);
    cr_expect_eq(d->loc.col, 7);
    cr_expect_eq(d->regfile.unlisted, VMF_UNLISTED_STOP);
    cr_assert_eq(d->regfile.nregs, 5);
    const struct vmf_regfile_reg *r = d->regfile.regs;
    cr_expect_str_eq(r[0].name, "id");
    cr_expect_eq(r[0].offset, 0);
    cr_expect_eq(r[0].size, 4);
    cr_expect_eq(r[0].kind, VMF_REG_CONST);
    cr_expect_eq(r[0].value, 0x564d4631);
    cr_expect_str_eq(r[1].name, "fifo");
    cr_expect_eq(r[1].offset, 4);
    cr_expect_eq(r[1].size, 4);
    cr_expect_eq(r[1].kind, VMF_REG_SEQUENCE);
    cr_expect_eq(r[1].nvalues, 3);
    cr_expect_eq(r[1].values[0], 1);
    cr_expect_eq(r[1].values[1], 2);
    cr_expect_eq(r[1].values[2], 3);
    cr_expect_str_eq(r[2].name, "status");
    cr_expect_eq(r[2].size, 1);
    cr_expect_eq(r[2].offset, 8);
    cr_expect_eq(r[2].kind, VMF_REG_VALUES);
    cr_expect_eq(r[2].nvalues, 2);
    cr_expect_eq(r[2].values[0], 0);
    cr_expect_eq(r[2].values[1], 1);
    cr_expect_str_eq(r[3].name, "count");
    cr_expect_eq(r[3].offset, 0xc);
    cr_expect_eq(r[3].kind, VMF_REG_BITFIELD);
    cr_expect_eq(r[3].lsb, 4);
    cr_expect_eq(r[3].width, 8);
    cr_expect_eq(r[3].start, 2);
    cr_expect_eq(r[3].step, 3);
    cr_expect_eq(r[3].value, 1);
    cr_expect_str_eq(r[4].name, "ctrl");
    cr_expect_eq(r[4].offset, 0x10);
    cr_expect_eq(r[4].size, 8);
    cr_expect_eq(r[4].kind, VMF_REG_PASSTHROUGH);
    cr_expect_eq(r[4].value, UINT64_MAX);

    cr_expect_str_eq(s->devices[2].name, "exit");
    cr_expect_eq(s->devices[2].model, SCN_MODEL_TEST_EXIT);
    cr_expect_eq(s->devices[2].path, SCN_PATH_EXIT);
    cr_expect_eq(s->devices[2].base, 0x0a000000);
    cr_expect_eq(s->devices[2].size, 0x1000);
    cr_expect_str_eq(s->devices[3].name, "my-dev");
    cr_expect_eq(s->devices[3].model, SCN_MODEL_HANDLER);
    cr_expect_str_eq(s->devices[3].handler, "my_handler");

    cr_expect_eq(s->guest_kind, SCN_GUEST_ASM);
    cr_expect_str_eq(s->guest_text, "ldr w1, [x0]\nwfi\n");
    cr_expect(s->has_load);
    cr_expect_eq(s->load, 0x40000000);
    cr_expect(s->has_entry);
    cr_expect_eq(s->entry, 0x40000004);
    cr_expect_eq(s->guest_loc.file, 0);
    cr_expect_eq(s->guest_loc.line, 32);
    cr_expect_eq(s->guest_loc.col, 3);

    cr_assert_eq(s->nregs, 5);
    cr_expect_eq(s->regs[0].reg, 0);
    cr_expect_eq(s->regs[0].value, 0x09000000);
    cr_expect_eq(s->regs[0].loc.line, 37);
    cr_expect_eq(s->regs[0].loc.col, 13);
    cr_expect_eq(s->regs[1].reg, 31);
    cr_expect_eq(s->regs[1].value, 0x40010000);
    cr_expect_eq(s->regs[2].reg, 30);
    cr_expect_eq(s->regs[2].value, 30);
    cr_expect_eq(s->regs[3].reg, 32);
    cr_expect_eq(s->regs[3].value, 0x40000004);
    cr_expect_eq(s->regs[4].reg, 33);
    cr_expect_eq(s->regs[4].value, 0x60000000);

    cr_assert_eq(s->nevents, 3);
    cr_expect_eq(s->events[0].at, 100);
    cr_expect_eq(s->events[0].irq, 33);
    cr_expect(s->events[0].level);
    cr_expect_eq(s->events[0].loc.line, 39);
    cr_expect_eq(s->events[0].loc.col, 5);
    cr_expect_eq(s->events[1].at, 100);
    cr_expect_not(s->events[1].level);
    cr_expect_eq(s->events[2].at, 200);
    cr_expect_eq(s->events[2].irq, UINT32_MAX);
    cr_expect(s->events[2].level);

    cr_expect_eq(s->max_instructions, 5); /* from the include: the includer does not set it */
    cr_expect_not(s->stop_on_wfi);
    cr_expect(s->has_stop_pc);
    cr_expect_eq(s->stop_pc, 0x40000040);

    cr_expect_eq(s->expect_loc.line, 46);
    cr_expect_eq(s->expect_loc.col, 3);
    cr_expect(s->has_expect_exit);
    cr_expect_str_eq(s->expect_exit, "test-exit");
    cr_expect(s->has_expect_status);
    cr_expect_eq(s->expect_status, 7);
    cr_expect(s->has_expect_faults);
    cr_expect_not(s->faults_exact);
    cr_assert_eq(s->nfaults, 3);
    const struct scn_fault *f = s->faults;
    cr_expect(f[0].has_pc && f[0].has_address && f[0].has_size && f[0].has_data);
    cr_expect_eq(f[0].pc, 0x40000004);
    cr_expect_eq(f[0].address, 0x09000000);
    cr_expect_eq(f[0].size, 4);
    cr_expect_eq(f[0].dir, SCN_DIR_READ);
    cr_expect_eq(f[0].data, 0x1234);
    cr_expect_str_eq(f[0].device, "sensor");
    cr_expect_eq(f[0].loc.line, 49);
    cr_expect_eq(f[0].loc.col, 7);
    cr_expect(!f[1].has_pc && !f[1].has_address && !f[1].has_size && !f[1].has_data);
    cr_expect_eq(f[1].dir, SCN_DIR_WRITE);
    cr_expect_eq(f[1].device[0], 0);
    cr_expect_eq(f[2].dir, SCN_DIR_ANY);

    cr_assert_eq(s->nexpect_regs, 1);
    cr_expect_eq(s->expect_regs[0].reg, 1);
    cr_expect_eq(s->expect_regs[0].value, 0x1234);

    cr_assert_eq(s->nexpect_mem, 2);
    cr_expect_eq(s->expect_mem[0].address, 0x40001000);
    cr_expect_eq(s->expect_mem[0].len, 4);
    cr_expect_eq(memcmp(s->expect_mem[0].bytes, "\x01\x02\x03\x04", 4), 0);
    cr_expect_eq(s->expect_mem[1].len, 4);
    cr_expect_eq(memcmp(s->expect_mem[1].bytes, "\xde\xad\xbe\xef", 4), 0);

    cr_assert_eq(s->nexpect_dev, 2);
    cr_expect_str_eq(s->expect_dev[0].device, "sensor");
    cr_expect_str_eq(s->expect_dev[0].reg, "ctrl");
    cr_expect_eq(s->expect_dev[0].value, 1);
    cr_expect_eq(s->expect_dev[0].loc.line, 58);
    cr_expect_eq(s->expect_dev[0].loc.col, 14);
    cr_expect_str_eq(s->expect_dev[1].reg, "id");
    cr_expect_eq(s->expect_dev[1].value, 0x564d4631);

    cr_expect(s->has_expect_uart);
    cr_expect_str_eq(s->expect_uart, "hello\n");

    char buf[600];
    cr_expect_str_eq(scn_loc_str(s, s->devices[0].loc, buf, sizeof buf), D "full_platform.yaml:9:7");
    scenario_free(s);
}

Test(loader, defaults)
{
    struct scenario *s = load_ok_named("arch: arm64\n"
                                       "memory: {ram: [{base: 0x1000, size: 0x1000}]}\n"
                                       "guest: {hex: \"d5 03\\n20 7f\"}\n",
                                       "some/dir/my-test.yaml");
    cr_expect_str_eq(s->name, "my-test");
    cr_expect_eq(s->cpus, 1);
    cr_expect_eq(s->max_instructions, 1000000);
    cr_expect(s->stop_on_wfi);
    cr_expect_not(s->has_stop_pc);
    cr_expect(s->faults_exact);
    cr_expect_not(s->has_expect_faults);
    cr_expect_not(s->has_expect_exit);
    cr_expect_not(s->has_expect_status);
    cr_expect_not(s->has_expect_uart);
    cr_expect_eq(s->guest_kind, SCN_GUEST_HEX);
    cr_expect_str_eq(s->guest_text, "d503207f");
    cr_expect_not(s->has_load);
    cr_expect_eq(s->load, 0x1000); /* the first RAM region */
    cr_expect_not(s->has_entry);
    cr_expect_eq(s->entry, 0x1000);
    cr_expect_eq(s->nfiles, 1);
    cr_expect_str_eq(s->files[0], "some/dir/my-test.yaml");
    scenario_free(s);
}

Test(loader, guest_file_resolved_relative_to_scenario)
{
    struct scenario *s = load_ok("arch: arm64\nguest: {file: full.yaml}\n");
    cr_expect_eq(s->guest_kind, SCN_GUEST_FILE);
    cr_expect_str_eq(s->guest_text, D "full.yaml");
    scenario_free(s);
}

Test(loader, guest_file_missing)
{
    expect_err("arch: arm64\nguest:\n  file: nope.elf\n", 3, 9,
               "guest file '" D "nope.elf': No such file or directory");
}

Test(loader, numbers)
{
    struct scenario *s = load_ok(BASE "registers: {x0: 0b1010_1010, x1: 1_000_000, x2: 0xFFFF_ffff_FFFF_ffff,"
                                      " x3: 0, x4: 0x_10, x5: 18446744073709551615}\n");
    cr_assert_eq(s->nregs, 6);
    cr_expect_eq(s->regs[0].value, 0xaa);
    cr_expect_eq(s->regs[1].value, 1000000);
    cr_expect_eq(s->regs[2].value, UINT64_MAX);
    cr_expect_eq(s->regs[3].value, 0);
    cr_expect_eq(s->regs[4].value, 0x10);
    cr_expect_eq(s->regs[5].value, UINT64_MAX);
    scenario_free(s);
}

/* ---- includes ------------------------------------------------------------------- */

Test(loader, include_merge_order_and_override)
{
    struct scenario *s = NULL;
    struct scn_error e;
    int rc = scenario_load_file(D "inc_main.yaml", &s, &e);
    cr_assert_eq(rc, 0, "%s:%u:%u: %s", e.file, e.line, e.col, e.message);
    /* files in the order they were first opened */
    cr_assert_eq(s->nfiles, 4);
    cr_expect_str_eq(s->files[1], D "inc_a.yaml");
    cr_expect_str_eq(s->files[2], D "inc_a_inner.yaml");
    cr_expect_str_eq(s->files[3], D "inc_b.yaml");
    /* scalars: the includer wins; among includes the later one wins */
    cr_expect_eq(s->cpus, 4);
    cr_expect_str_eq(s->name, "from-inner"); /* set only in the innermost include */
    cr_expect_eq(s->max_instructions, 77);
    /* lists: depth-first, includes before the includer */
    cr_assert_eq(s->nram, 3);
    cr_expect_eq(s->ram[0].base, 0x20000000);
    cr_expect_eq(s->ram[0].loc.file, 2);
    cr_expect_eq(s->ram[1].base, 0x40000000);
    cr_expect_eq(s->ram[1].loc.file, 1);
    cr_expect_eq(s->ram[2].base, 0x80000000);
    cr_expect_eq(s->ram[2].loc.file, 0);
    cr_assert_eq(s->ndevices, 3);
    cr_expect_str_eq(s->devices[0].name, "a-dev");
    cr_expect_str_eq(s->devices[1].name, "b-dev");
    cr_expect_str_eq(s->devices[2].name, "main-dev");
    cr_assert_eq(s->nevents, 4);
    for (size_t i = 0; i < 4; i++)
        cr_expect_eq(s->events[i].irq, i);
    /* guest: load from the include, program from the includer */
    cr_expect_eq(s->guest_kind, SCN_GUEST_HEX);
    cr_expect(s->has_load);
    cr_expect_eq(s->load, 0x40001000);
    cr_expect_eq(s->entry, 0x40001000);
    /* registers: x1 replaced by the includer, in place */
    cr_assert_eq(s->nregs, 2);
    cr_expect_eq(s->regs[0].reg, 0);
    cr_expect_eq(s->regs[0].value, 1);
    cr_expect_eq(s->regs[1].reg, 1);
    cr_expect_eq(s->regs[1].value, 11);
    cr_expect_eq(s->regs[1].loc.file, 0);
    scenario_free(s);
}

Test(loader, include_nesting_limit_ok)
{
    /* inline (0) -> deep2 (1) -> deep3 (2) -> deep4 (3) -> deep5 (4): allowed */
    struct scenario *s = load_ok("include: inc_deep2.yaml\nguest: {hex: \"00000000\"}\n");
    cr_expect_eq(s->nfiles, 5);
    cr_expect_eq(s->arch, 1);
    scenario_free(s);
}

Test(loader, include_nesting_too_deep)
{
    expect_err_len("include: inc_deep1.yaml\n", 24, D "inc_deep4.yaml", 1, 10, "includes nest too deep (max 4 levels)");
}

Test(loader, include_cycle)
{
    expect_file_err(D "inc_cycle_a.yaml", D "inc_cycle_b.yaml", 3, 5,
                    "include cycle: '" D "inc_cycle_a.yaml' is already being loaded");
}

Test(loader, include_self_from_string)
{
    /* a string named after a real file that includes that file */
    struct scenario *s = (struct scenario *)1;
    struct scn_error e;
    const char *t = "include: inc_cycle_a.yaml\n";
    int rc = scenario_load_string(t, strlen(t), D "inc_cycle_a.yaml", &s, &e);
    check_err(rc, s, &e, D "inc_cycle_a.yaml", 1, 10, "include cycle: '" D "inc_cycle_a.yaml' is already being loaded");
}

Test(loader, include_missing_file)
{
    expect_file_err(D "inc_missing.yaml", D "inc_missing.yaml", 2, 23,
                    "cannot read include '" D "no-such-file.yaml': No such file or directory");
}

Test(loader, include_error_inside_include)
{
    const char *t = "arch: arm64\ninclude: inc_bad_inner.yaml\n";
    expect_err_len(t, strlen(t), D "inc_bad_leaf.yaml", 3, 26, "unknown key 'sise' in memory.ram[0]");
}

Test(loader, include_directory)
{
    expect_err("include: .\n", 1, 10, "cannot read include '" D ".': not a regular file");
}

Test(loader, include_fifo_does_not_block)
{
    char dir[] = "/tmp/vmf_loader_XXXXXX", fifo[64], text[128];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fifo.yaml", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    snprintf(text, sizeof text, "include: %s\n", fifo);
    char msg[160];
    snprintf(msg, sizeof msg, "cannot read include '%s': not a regular file", fifo);
    expect_err(text, 1, 10, msg);
    unlink(fifo);
    rmdir(dir);
}

Test(loader, include_too_many_files)
{
    expect_err("include: [inc_deep2.yaml, inc_a.yaml, inc_b.yaml, full_platform.yaml]\n", 1, 51,
               "too many files (max 8, the scenario and its includes)");
}

Test(loader, include_wrong_type)
{
    expect_err("include: {a: 1}\n", 1, 10, "'include' must be a string or a sequence of strings, not a mapping");
}

Test(loader, pl011_input_bytes)
{
    struct scenario *s =
        load_ok(BASE "memory: {devices: [{name: u, model: pl011, base: 0x1000, input: \"a\\0b\\n\"}]}\n");
    cr_expect_eq(s->devices[0].uart_input_len, 4);
    cr_expect_eq(memcmp(s->devices[0].uart_input, "a\0b\n", 4), 0);
    scenario_free(s);
}

/* ---- one test per error class ---------------------------------------------------------- */

Test(errors, unknown_key)
{
    expect_err("arch: arm64\n"
               "memory:\n"
               "  devices:\n"
               "    - {name: a, model: regfile, base: 0x1000}\n"
               "    - name: b\n"
               "      model: regfile\n"
               "      bsae: 0x2000\n",
               7, 7, "unknown key 'bsae' in memory.devices[1]");
}

Test(errors, unknown_key_top_level)
{
    expect_err(BASE "archh: arm64\n", 3, 1, "unknown key 'archh' at the top level");
}

Test(errors, wrong_type)
{
    expect_err(BASE "memory:\n  ram: {base: 1}\n", 4, 8, "'ram' must be a sequence, not a mapping");
}

Test(errors, wrong_type_quoted_number)
{
    expect_err(BASE "cpus: \"2\"\n", 3, 7, "'cpus' must be a number, not a string");
}

Test(errors, wrong_type_bool)
{
    expect_err(BASE "stop: {wfi: yes}\n", 3, 13, "'wfi' must be true or false");
}

Test(errors, missing_field)
{
    expect_err(BASE "memory:\n  devices:\n    - name: a\n      model: regfile\n", 5, 7, "device needs 'base'");
}

Test(errors, missing_arch)
{
    expect_err("# comment\n\nguest: {asm: nop}\n", 3, 1, "scenario needs 'arch'");
}

Test(errors, missing_guest_program)
{
    expect_err("arch: arm64\nguest:\n  load: 0x1000\n", 3, 3, "guest needs one of 'asm', 'hex' or 'file'");
}

Test(errors, empty_file)
{
    expect_err("", 1, 1, "scenario needs 'arch'");
}

Test(errors, overlapping_ram)
{
    expect_err(BASE "memory:\n"
                    "  ram:\n"
                    "    - {base: 0x40000000, size: 0x10000}\n"
                    "    - {base: 0x4000f000, size: 0x2000}\n",
               6, 7, "ram [0x4000f000, 0x40011000) overlaps ram[0] [0x40000000, 0x40010000)");
}

Test(errors, overlapping_device_and_ram)
{
    expect_err(BASE "memory:\n"
                    "  ram: [{base: 0x9000000, size: 0x1000}]\n"
                    "  devices:\n"
                    "    - {name: uart, model: pl011, base: 0x9000000}\n",
               6, 7, "device 'uart' [0x9000000, 0x9001000) overlaps ram[0] [0x9000000, 0x9001000)");
}

Test(errors, overlapping_include)
{
    expect_err("include: inc_b.yaml\n" BASE "memory:\n  ram: [{base: 0x9000000, size: 0x2000}]\n", 5, 9,
               "ram [0x9000000, 0x9002000) overlaps device 'b-dev' [0x9001000, 0x9002000) from " D "inc_b.yaml");
}

Test(errors, unaligned_region)
{
    expect_err(BASE "memory: {ram: [{base: 0x40000800, size: 0x1000}]}\n", 3, 23,
               "ram base 0x40000800 is not 4 KiB aligned");
}

Test(errors, zero_size_region)
{
    expect_err(BASE "memory: {devices: [{name: a, model: regfile, base: 0x1000, size: 0}]}\n", 3, 66,
               "device 'a' size must not be zero");
}

Test(errors, wrapping_region)
{
    expect_err(BASE "memory: {ram: [{base: 0xfffffffffffff000, size: 0x1000}]}\n", 3, 16,
               "ram [0xfffffffffffff000, +0x1000) wraps around the end of the address space");
}

Test(errors, bad_number)
{
    expect_err(BASE "memory: {ram: [{base: 0x12g4, size: 0x1000}]}\n", 3, 23, "bad number '0x12g4' for 'base'");
}

Test(errors, bad_number_underscores)
{
    expect_err(BASE "cpus: 1__0\n", 3, 7, "bad number '1__0' for 'cpus'");
}

Test(errors, bad_number_negative)
{
    expect_err(BASE "stop: {pc: -4}\n", 3, 12, "bad number '-4' for 'pc'");
}

Test(errors, number_too_big)
{
    expect_err(BASE "stop: {pc: 0x1_0000_0000_0000_0000}\n", 3, 12,
               "number '0x1_0000_0000_0000_0000' does not fit in 64 bits");
}

Test(errors, out_of_range_size)
{
    expect_err(BASE "memory:\n"
                    "  devices:\n"
                    "    - name: s\n"
                    "      model: regfile\n"
                    "      base: 0x1000\n"
                    "      registers:\n"
                    "        - {name: r, offset: 0, size: 3, const: 1}\n",
               9, 38, "'size' must be 1, 2, 4 or 8");
}

Test(errors, out_of_range_cpus)
{
    expect_err(BASE "cpus: 9\n", 3, 7, "'cpus' must be between 1 and 8");
}

Test(errors, out_of_range_irq)
{
    expect_err(BASE "events: [{at: 1, irq: 0x1_0000_0000}]\n", 3, 23, "'irq' must be between 0 and 4294967295");
}

Test(errors, out_of_range_bitfield)
{
    expect_err(BASE "memory: {devices: [{name: s, model: regfile, base: 0x1000, registers: [\n"
                    "  {offset: 0, size: 2, bitfield: {lsb: 8, width: 9}}]}]}\n",
               4, 50, "bitfield [8, 17) does not fit in a 16-bit register");
}

Test(errors, value_too_wide_for_register)
{
    expect_err(BASE "memory: {devices: [{name: s, model: regfile, base: 0x1000, registers: [\n"
                    "  {offset: 0, size: 1, values: [1, 0x100]}]}]}\n",
               4, 36, "value 0x100 does not fit in a 1-byte register");
}

Test(errors, unknown_device_model)
{
    expect_err(BASE "memory:\n  devices:\n    - {name: a, model: uart, base: 0x1000}\n", 5, 24,
               "unknown device model 'uart' (regfile, pl011, test-exit, handler or gicv2)");
}

Test(errors, unsupported_arch)
{
    expect_err("arch: riscv64\n", 1, 7, "unknown arch 'riscv64' (arm64 or x86-64)");
}

Test(errors, duplicate_device_name)
{
    expect_err(BASE "memory:\n"
                    "  devices:\n"
                    "    - {name: a, model: regfile, base: 0x1000}\n"
                    "    - {name: a, model: regfile, base: 0x2000}\n",
               6, 14, "duplicate device name 'a' (first at " INLINE ":5:7)");
}

Test(errors, bad_device_name)
{
    expect_err(BASE "memory: {devices: [{name: a.b, model: regfile, base: 0x1000}]}\n", 3, 27,
               "device name 'a.b' may only contain letters, digits, '_' and '-'");
}

Test(errors, device_name_too_long)
{
    expect_err(BASE "memory: {devices: [{name: abcdefghijklmnopqrstuvwxyz012345, model: regfile, base: 0x1000}]}\n", 3,
               27, "device name 'abcdefghijklmnopqrstuvwxyz012345' is too long (max 31 characters)");
}

Test(errors, duplicate_register_name)
{
    expect_err(BASE "memory: {devices: [{name: s, model: regfile, base: 0x1000, registers: [\n"
                    "  {name: r, offset: 0, const: 1}, {name: r, offset: 4, const: 1}]}]}\n",
               4, 42, "duplicate register name 'r' in device 's'");
}

Test(errors, overlapping_registers)
{
    expect_err(BASE "memory: {devices: [{name: s, model: regfile, base: 0x1000, registers: [\n"
                    "  {name: a, offset: 0, size: 8, const: 1},\n"
                    "  {name: b, offset: 4, const: 1}]}]}\n",
               5, 3, "register 'b' [0x4, 0x8) overlaps register 'a' [0x0, 0x8)");
}

Test(errors, register_misaligned)
{
    expect_err(BASE "memory: {devices: [{name: s, model: regfile, base: 0x1000, registers: [\n"
                    "  {offset: 2, const: 1}]}]}\n",
               4, 12, "register offset 0x2 is not a multiple of its size (4)");
}

Test(errors, register_outside_device)
{
    expect_err(BASE "memory: {devices: [{name: s, model: regfile, base: 0x1000, registers: [\n"
                    "  {offset: 0x1000, const: 1}]}]}\n",
               4, 12, "register offset 0x1000 is outside the device (size 0x1000)");
}

Test(errors, register_two_kinds)
{
    expect_err(BASE "memory: {devices: [{name: s, model: regfile, base: 0x1000, registers: [\n"
                    "  {offset: 0, const: 1, passthrough: 2}]}]}\n",
               4, 25, "register has both 'const' and 'passthrough' (use exactly one)");
}

Test(errors, register_no_kind)
{
    expect_err(BASE "memory: {devices: [{name: s, model: regfile, base: 0x1000, registers: [\n"
                    "  {offset: 0}]}]}\n",
               4, 3, "register needs one of 'const', 'sequence', 'values', 'bitfield' or 'passthrough'");
}

Test(errors, key_for_other_model)
{
    expect_err(BASE "memory: {devices: [{name: u, model: pl011, base: 0x1000, handler: h}]}\n", 3, 58,
               "'handler' is only valid for model handler");
}

Test(errors, handler_needs_name)
{
    expect_err(BASE "memory: {devices: [{name: u, model: handler, base: 0x1000}]}\n", 3, 20, "device needs 'handler'");
}

Test(errors, bad_event_order)
{
    expect_err(BASE "events:\n"
                    "  - {at: 200, irq: 1}\n"
                    "  - {at: 100, irq: 1}\n",
               5, 10, "events must be in non-decreasing 'at' order (100 comes after 200)");
}

Test(errors, bad_event_level)
{
    expect_err(BASE "events: [{at: 1, irq: 1, level: up}]\n", 3, 33, "unknown level 'up' (high or low)");
}

Test(errors, yaml_syntax_error)
{
    expect_err("arch: arm64\nmemory: [1, 2\nguest: {}\n", 3, 6,
               "YAML syntax: did not find expected ',' or ']' while parsing a flow sequence");
}

Test(errors, yaml_syntax_bad_indent)
{
    expect_err("arch: arm64\n  cpus: 1\n", 2, 7, "YAML syntax: mapping values are not allowed in this context");
}

Test(errors, hex_odd_digits)
{
    expect_err("arch: arm64\nguest:\n  hex: \"010040b9 7f2003d\"\n", 3, 8,
               "'hex' has an odd number of hex digits (15)");
}

Test(errors, hex_bad_digit)
{
    expect_err("arch: arm64\nguest: {hex: 01 0g}\n", 2, 14, "'hex': bad hex digit 'g' at offset 4");
}

Test(errors, empty_asm)
{
    expect_err("arch: arm64\nguest: {asm: \"\"}\n", 2, 14, "'asm' must not be empty");
}

Test(errors, tab_indentation)
{
    expect_err("arch: arm64\nguest:\n\thex: \"00\"\n", 3, 1,
               "YAML syntax: found character that cannot start any token while scanning for the next token");
}

Test(robust, utf16_and_bom_and_crlf)
{
    /* UTF-8 BOM + CRLF line ends */
    struct scenario *s = load_ok("\xef\xbb\xbf"
                                 "arch: arm64\r\nguest: {hex: \"00000000\"}\r\ncpus: 3\r\n");
    cr_expect_eq(s->cpus, 3);
    scenario_free(s);
    /* UTF-16LE with BOM */
    const char *a = "arch: arm64\ncpus: 2\nguest: {hex: \"00\"}\n";
    size_t n = strlen(a);
    char *u = malloc(2 * n + 2);
    cr_assert_not_null(u);
    u[0] = (char)0xff;
    u[1] = (char)0xfe;
    for (size_t i = 0; i < n; i++) {
        u[2 + 2 * i] = a[i];
        u[3 + 2 * i] = 0;
    }
    struct scn_error e;
    cr_assert_eq(scenario_load_string(u, 2 * n + 2, INLINE, &s, &e), 0, "%s", e.message);
    cr_expect_eq(s->cpus, 2);
    scenario_free(s);
    free(u);
}

Test(errors, guest_two_sources)
{
    expect_err("arch: arm64\nguest:\n  asm: nop\n  hex: \"00\"\n", 4, 3,
               "guest has both 'asm' and 'hex' (use exactly one)");
}

Test(errors, expect_device_unknown)
{
    expect_err(BASE "expect:\n  devices:\n    sensor: {ctrl: 1}\n", 5, 5, "no device named 'sensor'");
}

Test(errors, expect_device_register_unknown)
{
    expect_err(BASE "memory: {devices: [{name: s, model: regfile, base: 0x1000, registers: [{name: a, offset: 0, "
                    "const: 1}]}]}\n"
                    "expect:\n  devices:\n    s: {a: 1, b: 2}\n",
               6, 15, "device 's' has no register 'b'");
}

Test(errors, expect_device_not_regfile)
{
    expect_err(BASE "memory: {devices: [{name: u, model: pl011, base: 0x1000}]}\n"
                    "expect: {devices: {u: {a: 1}}}\n",
               4, 20, "device 'u' is not a regfile");
}

Test(errors, expect_fault_device_unknown)
{
    expect_err(BASE "expect: {faults: [{device: nope}]}\n", 3, 28, "no device named 'nope'");
}

Test(errors, unknown_register)
{
    expect_err(BASE "registers: {x31: 1}\n", 3, 13, "unknown register 'x31' (x0..x30, sp, pc or nzcv)");
}

Test(errors, duplicate_key)
{
    expect_err(BASE "cpus: 1\ncpus: 2\n", 4, 1, "duplicate key 'cpus' (first at line 3)");
}

Test(errors, too_many_faults)
{
    size_t cap = 64 + 258 * 8;
    char *t = malloc(cap);
    cr_assert_not_null(t);
    size_t n = (size_t)snprintf(t, cap, "%s", BASE "expect:\n  faults:\n");
    for (int i = 0; i < 257; i++)
        n += (size_t)snprintf(t + n, cap - n, "  - {}\n");
    expect_err(t, 5 + 256, 5, "too many faults (max 256)");
    free(t);
}

Test(errors, scenario_not_a_mapping)
{
    expect_err("- arch: arm64\n", 1, 1, "a scenario must be a mapping, not a sequence");
}

Test(errors, missing_file)
{
    expect_file_err(D "does-not-exist.yaml", D "does-not-exist.yaml", 0, 0,
                    "cannot read scenario: No such file or directory");
}

Test(errors, uart_too_long)
{
    char t[2000];
    int n = snprintf(t, sizeof t, BASE "expect: {uart: \"");
    memset(t + n, 'a', 1024);
    strcpy(t + n + 1024, "\"}\n");
    expect_err(t, 3, 16, "'uart' is too long (max 1023 bytes)");
}

/* ---- robustness -------------------------------------------------------------------------- */

Test(robust, anchors_and_aliases_resolve)
{
    struct scenario *s = load_ok(
        BASE "memory:\n"
             "  devices:\n"
             "    - &dev {name: a, model: regfile, base: 0x1000, registers: &regs [{name: r, offset: 0, const: 5}]}\n"
             "    - {name: b, model: regfile, base: 0x2000, registers: *regs}\n"
             "registers: {x0: &v 0x10, x1: *v}\n");
    cr_assert_eq(s->ndevices, 2);
    cr_expect_eq(s->devices[1].regfile.nregs, 1);
    cr_expect_eq(s->devices[1].regfile.regs[0].value, 5);
    cr_expect_eq(s->regs[1].value, 0x10);
    scenario_free(s);
}

Test(robust, merge_keys)
{
    struct scenario *s = load_ok(BASE "memory:\n"
                                      "  devices:\n"
                                      "    - &dev {name: a, model: regfile, base: 0x1000, path: exit}\n"
                                      "    - {<<: *dev, name: b, base: 0x2000}\n");
    cr_assert_eq(s->ndevices, 2);
    cr_expect_str_eq(s->devices[1].name, "b");
    cr_expect_eq(s->devices[1].base, 0x2000);
    cr_expect_eq(s->devices[1].path, SCN_PATH_EXIT);
    scenario_free(s);
}

Test(robust, merge_too_deep)
{
    char t[2048];
    int n = snprintf(t, sizeof t, BASE "expect:\n  devices:\n    d0: &m0 {r: 1}\n");
    for (int i = 1; i <= 10; i++)
        n += snprintf(t + n, sizeof t - (size_t)n, "    d%d: &m%d {<<: *m%d}\n", i, i, i - 1);
    /* d9 merges 9 levels: the 9th '<<' (in d1, line 6) is one too many */
    expect_err(t, 6, 14, "merge keys ('<<') nested too deep (max 8)");
}

Test(robust, recursive_alias)
{
    expect_err(BASE "events: &e [*e]\n", 3, 13, "alias '*e' refers to a node that contains it (recursive alias)");
}

Test(robust, unknown_alias)
{
    expect_err(BASE "cpus: *nope\n", 3, 7, "unknown anchor '*nope'");
}

Test(robust, billion_laughs)
{
    /* 10 levels of 10 aliases each: 10^10 leaves if expanded, but the walk
     * only visits what the schema asks for. */
    char t[4096];
    int n = snprintf(t, sizeof t, "a0: &a0 [x]\n");
    for (int i = 1; i < 10; i++) {
        n += snprintf(t + n, sizeof t - (size_t)n, "a%d: &a%d [", i, i);
        for (int j = 0; j < 10; j++)
            n += snprintf(t + n, sizeof t - (size_t)n, "*a%d%s", i - 1, j < 9 ? ", " : "]\n");
    }
    expect_err(t, 1, 1, "unknown key 'a0' at the top level");
    /* merge keys that merge the level below 16 times, 6 levels deep: 16^6 visits if walked naively */
    char u[8192];
    n = snprintf(u, sizeof u, BASE "expect:\n  devices:\n    d0: &m0 {r: 1}\n");
    for (int i = 1; i <= 6; i++) {
        n += snprintf(u + n, sizeof u - (size_t)n, "    d%d: &m%d {<<: [", i, i);
        for (int j = 0; j < 16; j++)
            n += snprintf(u + n, sizeof u - (size_t)n, "*m%d%s", i - 1, j < 15 ? ", " : "]}\n");
    }
    struct scenario *s = (struct scenario *)1;
    struct scn_error e;
    int rc = scenario_load_string(u, strlen(u), INLINE, &s, &e);
    cr_assert_eq(rc, -1);
    cr_expect_str_eq(e.message, "document too complex (more than 1000000 node visits)");
}

Test(robust, nul_byte)
{
    const char t[] = "arch: arm64\nna\0me: x\n";
    expect_err_len(t, sizeof t - 1, INLINE, 2, 3, "YAML syntax: control characters are not allowed (byte 0x00)");
}

Test(robust, nul_in_string_escape)
{
    expect_err(BASE "name: \"a\\0b\"\n", 3, 7, "'name' must not contain NUL bytes");
}

Test(robust, invalid_utf8)
{
    const char t[] = "arch: arm64\nname: \xff\xfe\n";
    expect_err_len(t, sizeof t - 1, INLINE, 2, 7, "YAML syntax: invalid leading UTF-8 octet (byte 0xff)");
}

Test(robust, deep_nesting)
{
    size_t n = 100000;
    char *t = malloc(n + 16);
    cr_assert_not_null(t);
    memcpy(t, "x: ", 3);
    memset(t + 3, '[', n);
    expect_err_len(t, n + 3, INLINE, 1, 67, "YAML nested too deep (max 64 levels)");
    free(t);
}

Test(robust, huge_input)
{
    size_t n = ((size_t)4 << 20) + 1;
    char *t = malloc(n);
    cr_assert_not_null(t);
    memset(t, ' ', n);
    expect_err_len(t, n, INLINE, 0, 0, "file too large (max 4 MiB)");
    free(t);
}

Test(robust, many_nodes)
{
    size_t count = 120000, n = 0;
    char *t = malloc(count * 2 + 16);
    cr_assert_not_null(t);
    n += (size_t)sprintf(t, "x: [");
    for (size_t i = 0; i < count; i++) {
        t[n++] = '1';
        t[n++] = ',';
    }
    t[n++] = ']';
    expect_err_len(t, n, INLINE, 1, 5 + 2 * 99997, "too many YAML nodes (max 100000)");
    free(t);
}

Test(robust, two_documents)
{
    expect_err(BASE "---\narch: arm64\n", 3, 1, "only one YAML document is allowed");
}

Test(robust, unsupported_tag)
{
    expect_err(BASE "cpus: !foo 1\n", 3, 7, "unsupported tag '!foo'");
}

Test(robust, null_arguments)
{
    struct scenario *s = (struct scenario *)1;
    cr_expect_eq(scenario_load_string(NULL, 5, NULL, &s, NULL), -1);
    cr_expect_null(s);
    struct scn_error e;
    cr_expect_eq(scenario_load_string("", 0, "x.yaml", NULL, &e), -1);
    cr_expect_str_eq(e.message, "invalid argument");
    scenario_free(NULL);
    char buf[8];
    cr_expect_str_eq(scn_loc_str(NULL, (struct scn_loc){0, 1, 2}, buf, sizeof buf), "?:1:2");
}

Test(loader, lazy_ram)
{
    struct scenario *s = load_ok(BASE "memory:\n  ram:\n    - {base: 0x40000000, size: 0x1000}\n"
                                      "    - {base: 0x50000000, size: 0x2000, lazy: true}\n");
    cr_expect(!s->ram[0].lazy);
    cr_expect(s->ram[1].lazy);
    scenario_free(s);
    struct scenario *bad = NULL;
    struct scn_error e;
    const char *text = BASE "memory:\n  ram:\n    - {base: 0x50000000, size: 0x2000, lazy: 1}\n";
    cr_expect_eq(scenario_load_string(text, strlen(text), INLINE, &bad, &e), -1);
    cr_expect_eq(e.line, 5);
    cr_expect_not_null(strstr(e.message, "lazy"), "%s", e.message);
}
