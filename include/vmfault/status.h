/* vmfault — status codes.
 *
 * Every vmfault function that can fail returns 0 or one of the negative codes
 * below and writes its results through out-parameters.  vmf_strerror() gives a
 * one-line explanation of each code.
 */
#ifndef VMFAULT_STATUS_H
#define VMFAULT_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

enum vmf_status {
    VMF_OK = 0,
    VMF_EINVAL = -1,     /* an argument is invalid (NULL pointer, bad enum value) */
    VMF_ENOMEM = -2,     /* host memory allocation failed */
    VMF_ESIZE = -3,      /* a size is zero or not a multiple of the required granule */
    VMF_ERANGE = -4,     /* base + size overflows the address space */
    VMF_EOVERLAP = -5,   /* the range overlaps an existing region */
    VMF_ENOENT = -6,     /* no region, reservation or vCPU matches */
    VMF_EALIGN = -7,     /* an address or size is not aligned as required */
    VMF_ENOTMEM = -8,    /* the instruction is valid but accesses no data memory */
    VMF_EUNDEF = -9,     /* the instruction encoding is unallocated or undefined */
    VMF_EUNSUPP = -10,   /* the operation or instruction is known but not supported */
    VMF_EUNICORN = -11,  /* Unicorn Engine reported an error */
    VMF_ESTATE = -12,    /* the object is in the wrong state (e.g. no fault pending) */
    VMF_EBOUNDS = -13,   /* an access crosses the end of its region */
    VMF_EHANDLER = -14,  /* a fault handler returned an invalid result or FAULT_ERROR */
    VMF_EFULL = -15,     /* a fixed-capacity table is full */
    VMF_EBUSY = -16,     /* the resource (a port range, a call number) is already taken */
    VMF_EFAULT = -17,    /* guest memory at the address cannot be read or written */
    VMF_EINTERNAL = -18, /* an engine invariant did not hold (a bug: please report it) */
};

/* A static, human-readable description of a status code (never NULL). */
const char *vmf_strerror(int status);

#ifdef __cplusplus
}
#endif

#endif
