/* vmfault — status code descriptions. */
#include "vmfault/status.h"

const char *vmf_strerror(int status)
{
    switch (status) {
    case VMF_OK: return "success";
    case VMF_EINVAL: return "invalid argument";
    case VMF_ENOMEM: return "out of host memory";
    case VMF_ESIZE: return "size is zero or not a multiple of the page size";
    case VMF_ERANGE: return "address range overflows the guest-physical address space";
    case VMF_EOVERLAP: return "range overlaps an existing region";
    case VMF_ENOENT: return "no such region, reservation or vCPU";
    case VMF_EALIGN: return "address or size is misaligned";
    case VMF_ENOTMEM: return "instruction does not access data memory";
    case VMF_EUNDEF: return "undefined or unallocated instruction encoding";
    case VMF_EUNSUPP: return "operation or instruction not supported";
    case VMF_EUNICORN: return "Unicorn Engine error";
    case VMF_ESTATE: return "object is in the wrong state for this operation";
    case VMF_EBOUNDS: return "access crosses the end of its region";
    case VMF_EHANDLER: return "fault handler failed or returned an invalid result";
    case VMF_EFULL: return "table is full";
    case VMF_EBUSY: return "already registered";
    case VMF_EFAULT: return "guest memory cannot be accessed there";
    case VMF_EINTERNAL: return "engine invariant violated (a vmfault bug)";
    default: return "unknown status code";
    }
}
