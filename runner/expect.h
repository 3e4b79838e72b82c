/* vmfault runner — checking a finished run against the scenario's expectations. */
#ifndef VMFAULT_RUNNER_EXPECT_H
#define VMFAULT_RUNNER_EXPECT_H

#include "devices/regfile.h"
#include "runner/runner.h"
#include "vmfault/vm.h"

/* What the checks may look at after the run. */
struct expect_view {
    vmf_vm *vm;
    vmf_vcpu *vcpu;
    const struct vmf_regfile *regfile[SCN_MAX_DEVICES]; /* NULL for other models */
    const char *const *names;                           /* device names, for messages */
};

/* Fill r->checked, r->failed and r->failure (the first failure, in context). */
void expect_check(const struct scenario *s, const struct expect_view *v, struct run_result *r);

#endif
