/* libFuzzer target for the YAML scenario loader: any bytes, as a scenario
 * named tests/data/loader/fuzz.yaml (so that, run from the repository root,
 * includes and guest files in the seeds resolve to the test data), must give
 * a scenario or an error with a message -- never a crash, a leak or a hang.
 * See fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scenario *s = NULL;
    struct scn_error err;
    int rc = scenario_load_string((const char *)data, size, "tests/data/loader/fuzz.yaml", &s, &err);
    if (rc == 0) {
        if (!s || s->nfiles == 0 || s->nfiles > SCN_MAX_FILES || !s->guest_text)
            abort();
        char buf[SCN_PATH_MAX + 32];
        for (size_t i = 0; i < s->nfaults; i++)
            scn_loc_str(s, s->faults[i].loc, buf, sizeof buf);
        scenario_free(s);
    } else {
        if (rc != -1 || s != NULL)
            abort();
        if (!memchr(err.file, '\0', sizeof err.file) || !memchr(err.message, '\0', sizeof err.message) ||
            err.message[0] == '\0')
            abort();
    }
    return 0;
}
