/* vmfault runner — a scenario, as the YAML loader produces it.
 *
 * Plain data: fixed-size arrays and counts, strings in fixed buffers, so a
 * scenario is one allocation, copies with memcpy and never aliases the YAML
 * text.  Every element keeps the location it came from (file, line, column,
 * 1-based) so the runner can name it in a failed expectation.
 *
 * The schema (what each key means) is documented in README.md, "Scenarios".
 */
#ifndef VMFAULT_RUNNER_SCENARIO_H
#define VMFAULT_RUNNER_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/regfile.h"

#define SCN_MAX_RAM 8
#define SCN_MAX_DEVICES 16
#define SCN_MAX_REGS 64 /* initial or expected registers */
#define SCN_MAX_EVENTS 64
#define SCN_MAX_FAULTS 256   /* expected faults */
#define SCN_MAX_MEMORY 32    /* expected memory byte strings */
#define SCN_MAX_BYTES 256    /* bytes per expected memory entry */
#define SCN_MAX_FILES 8      /* the scenario and what it includes */
#define SCN_MAX_DEVEXPECT 64 /* expected device register values */
#define SCN_PATH_MAX 512

struct scn_loc {
    uint8_t file; /* index into scenario.files */
    uint32_t line, col;
};

struct scn_ram {
    uint64_t base, size;
    bool lazy; /* a reservation mapped on first touch (libsel4vm's deferred mapping) */
    struct scn_loc loc;
};

enum scn_model {
    SCN_MODEL_REGFILE = 1,
    SCN_MODEL_PL011 = 2,
    SCN_MODEL_TEST_EXIT = 3,
    SCN_MODEL_HANDLER = 4, /* a handler a C program registers by name (runner API) */
    SCN_MODEL_GICV2 = 5,   /* the GICv2: base = distributor, cpu_base = CPU interface */
    /* x86-64 I/O-port models (x86.ports; regfile serves ports too) */
    SCN_MODEL_UART8250 = 6,      /* a 16550-lite: THR collects output, LSR reads THRE|TEMT */
    SCN_MODEL_DEBUG_EXIT = 7,    /* QEMU isa-debug-exit: OUT v ends the run with status (v << 1) | 1 */
    SCN_MODEL_RESET_CONTROL = 8, /* the reset control register (0xCF9): RST_CPU resets the machine */
    SCN_MODEL_ACPI_PM = 9,       /* ACPI PM1a_CNT (QEMU: 0x604): SLP_EN with S5 powers off */
};

/* Architectures (the values of enum vmf_arch). */
enum scn_arch {
    SCN_ARCH_ARM64 = 1,
    SCN_ARCH_X86_64 = 2,
};

enum scn_path {
    SCN_PATH_DEFAULT = 0, /* the run's --path, itself "fast" unless given */
    SCN_PATH_FAST = 1,
    SCN_PATH_EXIT = 2,
};

struct scn_device {
    char name[32];
    uint8_t model; /* enum scn_model */
    uint8_t path;  /* enum scn_path */
    bool port;     /* x86.ports: base is the first port, size the number of ports */
    uint64_t base, size;
    char handler[32];                  /* SCN_MODEL_HANDLER: the registered name */
    struct vmf_regfile_config regfile; /* SCN_MODEL_REGFILE */
    char uart_input[256];              /* SCN_MODEL_PL011, SCN_MODEL_UART8250: bytes queued for the guest */
    size_t uart_input_len;
    int32_t irq;       /* SCN_MODEL_PL011: its interrupt (INTID of an SPI), -1 for none */
    uint64_t cpu_base; /* SCN_MODEL_GICV2: the CPU interface (0x2000 bytes) */
    uint32_t nirqs;    /* SCN_MODEL_GICV2: interrupt IDs implemented (default 128) */
    struct scn_loc loc;
};

enum scn_guest_kind {
    SCN_GUEST_ASM = 1,  /* assembly text, assembled with the GNU cross assembler */
    SCN_GUEST_HEX = 2,  /* bytes as hex (whitespace allowed) */
    SCN_GUEST_FILE = 3, /* a flat binary or an ELF file, path relative to the scenario */
};

struct scn_reg {
    uint8_t reg; /* arm64: VMF_ARM64_* number (x0..x30, sp, pc, nzcv); x86-64: VMF_X86_REG_* */
    uint64_t value;
    struct scn_loc loc;
};

struct scn_event {
    uint64_t at;  /* virtual time: retired instructions */
    uint32_t irq; /* line number */
    bool level;   /* true = raise, false = lower */
    struct scn_loc loc;
};

enum scn_dir {
    SCN_DIR_ANY = 0,
    SCN_DIR_READ = 1,
    SCN_DIR_WRITE = 2,
};

/* An expected fault: any subset of the fields (has_* says which). */
struct scn_fault {
    bool has_pc, has_address, has_size, has_data;
    uint8_t dir; /* enum scn_dir; ANY when not given */
    uint64_t pc, address, data;
    uint8_t size;
    char device[32]; /* empty: any */
    struct scn_loc loc;
};

struct scn_mem {
    uint64_t address;
    uint8_t bytes[SCN_MAX_BYTES];
    size_t len;
    struct scn_loc loc;
};

/* x86-64: what CPUID returns for a leaf (x86.cpuid). */
struct scn_cpuid {
    uint32_t leaf, subleaf; /* subleaf UINT32_MAX: any (VMF_X86_ANY_SUBLEAF) */
    uint32_t regs[4];       /* eax, ebx, ecx, edx */
    struct scn_loc loc;
};

/* x86-64: an MSR preset in vCPU 0's MSR store (x86.msrs). */
struct scn_msr {
    uint32_t msr;
    uint64_t value;
    struct scn_loc loc;
};

/* x86-64: a built-in VMCALL behaviour for one call number (x86.vmcalls). */
enum scn_vmcall_ret {
    SCN_VMCALL_RET_VALUE = 0, /* RAX = value (0 unless `return` says otherwise) */
    SCN_VMCALL_RET_RBX = 1,   /* RAX = an argument register: rbx, rcx, rdx, rsi */
    SCN_VMCALL_RET_RCX = 2,
    SCN_VMCALL_RET_RDX = 3,
    SCN_VMCALL_RET_RSI = 4,
};
struct scn_vmcall {
    uint64_t nr;    /* the call number the guest puts in RAX */
    uint8_t ret;    /* enum scn_vmcall_ret */
    uint64_t value; /* SCN_VMCALL_RET_VALUE */
    bool log;       /* a call whose only effect is its trace entry (RAX = 0 unless `return` is given) */
    bool exit;      /* end the run like a test-exit device, status = RBX */
    struct scn_loc loc;
};

/* x86-64: an expected exit (expect.exits): any subset of the fields. */
enum scn_xkind {
    SCN_XK_ANY = 0,
    SCN_XK_INOUT = 10, /* the values of enum vmf_exitcode */
    SCN_XK_RDMSR = 11,
    SCN_XK_WRMSR = 12,
    SCN_XK_CPUID = 13,
    SCN_XK_VMCALL = 14,
    SCN_XK_INVD = 15,
    SCN_XK_HLT = 4,
};
struct scn_xexit {
    uint8_t kind; /* enum scn_xkind */
    bool has_rip, has_port, has_size, has_value, has_msr, has_leaf, has_subleaf, has_nr;
    uint8_t dir; /* enum scn_dir: READ = in, WRITE = out; ANY when not given */
    uint64_t rip, value, nr;
    uint32_t msr, leaf, subleaf;
    uint16_t port;
    uint8_t size;
    uint8_t nargs; /* vmcall: the first nargs of RBX, RCX, RDX, RSI */
    uint64_t args[4];
    char device[32]; /* inout: the port device; empty: any */
    struct scn_loc loc;
};

#define SCN_MAX_CPUID 32
#define SCN_MAX_MSRS 32
#define SCN_MAX_VMCALLS 16
#define SCN_MAX_XEXITS 256

/* An expected device register value: device.register == value. */
struct scn_devexpect {
    char device[32];
    char reg[32]; /* regfile register name; for pl011 "output" is not used (see uart) */
    uint64_t value;
    struct scn_loc loc;
};

struct scenario {
    char files[SCN_MAX_FILES][SCN_PATH_MAX]; /* [0] is the scenario; the rest are includes */
    size_t nfiles;
    char name[64];
    char description[256];
    uint8_t arch;  /* enum scn_arch (= enum vmf_arch) */
    uint32_t cpus; /* 1 unless given */

    struct scn_ram ram[SCN_MAX_RAM];
    size_t nram;
    struct scn_device devices[SCN_MAX_DEVICES];
    size_t ndevices;

    /* guest */
    uint8_t guest_kind; /* enum scn_guest_kind */
    char *guest_text;   /* ASM: the source; HEX: the digits; FILE: resolved path.  Owned (scenario_free). */
    uint64_t load;      /* where the program goes (default: the first RAM region's base) */
    bool has_load;
    uint64_t entry; /* default: load address, or the ELF entry */
    bool has_entry;
    struct scn_loc guest_loc;

    struct scn_reg regs[SCN_MAX_REGS];
    size_t nregs;
    struct scn_event events[SCN_MAX_EVENTS];
    size_t nevents;

    /* platform: how the machine behaves beyond its memory map */
    struct {
        uint8_t exceptions;   /* 0 = exit (report them), 1 = deliver (vector through VBAR_EL1) */
        uint8_t psci;         /* 0 none, 1 hvc, 2 smc (enum vmf_psci_conduit) */
        bool dtb;             /* generate a device tree and pass its address in x0 */
        uint64_t dtb_address; /* default: the last 64 KiB of the first RAM region */
        char bootargs[256];   /* /chosen/bootargs */
        uint64_t quantum;     /* SMP: instructions per vCPU per round (default 1000) */
        struct scn_loc loc;
    } platform;

    /* x86: the x86-64 VMM's tables (port devices are in devices[], port = true) */
    struct {
        struct scn_cpuid cpuid[SCN_MAX_CPUID];
        size_t ncpuid;
        struct scn_msr msrs[SCN_MAX_MSRS];
        size_t nmsrs;
        struct scn_vmcall vmcalls[SCN_MAX_VMCALLS];
        size_t nvmcalls;
        bool unhandled_ignore; /* x86.unhandled: ignore (default error: the run ends) */
        bool present;          /* the scenario has an x86 section */
        struct scn_loc loc;
    } x86;

    /* stop conditions (the run ends at the first that holds) */
    uint64_t max_instructions; /* default 1,000,000 */
    bool stop_on_wfi;          /* default true: WFI (x86-64: HLT) with nothing pending ends the run */
    bool has_stop_pc;
    uint64_t stop_pc;

    /* expectations */
    struct scn_fault faults[SCN_MAX_FAULTS];
    size_t nfaults;
    bool faults_exact; /* expect.faults_exact: the list is the whole fault sequence (default true) */
    bool has_expect_faults;
    struct scn_reg expect_regs[SCN_MAX_REGS];
    size_t nexpect_regs;
    struct scn_mem expect_mem[SCN_MAX_MEMORY];
    size_t nexpect_mem;
    struct scn_devexpect expect_dev[SCN_MAX_DEVEXPECT];
    size_t nexpect_dev;
    struct scn_xexit xexits[SCN_MAX_XEXITS]; /* x86-64: expect.exits */
    size_t nxexits;
    bool xexits_exact; /* expect.exits_exact (default true) */
    bool has_expect_xexits;
    bool has_expect_uart;
    char expect_uart[1024]; /* what the PL011s and UART8250s transmitted, concatenated in device order */
    bool has_expect_exit;
    char expect_exit[16]; /* "wfi", "hlt", "halt", "test-exit", "pc", "budget", "error", "stop", "poweroff", "reset" */
    bool has_expect_status;
    uint32_t expect_status; /* test-exit status */
    struct scn_loc expect_loc;
};

/* A loader error: "FILE:LINE:COL: message". */
struct scn_error {
    char file[SCN_PATH_MAX];
    uint32_t line, col;
    char message[256];
};

/* Load a scenario file.  Returns 0 and a newly allocated scenario, or -1 with
 * *err filled (the scenario is then NULL).  Includes are resolved relative to
 * the including file.  Never crashes or hangs on malformed input. */
int scenario_load_file(const char *path, struct scenario **out, struct scn_error *err);
/* The same from memory; `name` is used as the file name in errors and for
 * resolving relative paths (its directory). */
int scenario_load_string(const char *text, size_t len, const char *name, struct scenario **out, struct scn_error *err);
void scenario_free(struct scenario *s);

/* "file:line:col" of a location, into buf. */
const char *scn_loc_str(const struct scenario *s, struct scn_loc loc, char *buf, size_t len);

#endif
