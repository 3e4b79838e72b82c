// The demo guest: a tiny driver poking at a device the way real drivers do.
// vmfault runs it at EL1 with RAM at 0x40000000 and the device reserved at
// 0x09000000; `vmfault demo` prints every fault the device handler sees.
    .text
    .global _start
_start:
    movz    x0, #0x0900, lsl #16    // x0 = device base 0x09000000
    ldr     w1, [x0]                // ID register: a plain 32-bit read (ISV=1)
    mov     w2, #0x1
    str     w2, [x0, #4]            // CTRL = 1
    mov     w2, #0xa5
    strb    w2, [x0, #7]            // one byte into CTRL's top lane: mask 0xff000000
    ldrh    w3, [x0, #6]            // CTRL's upper half: lane 2, mask 0xffff0000 -> 0xa500
    ldrsb   x4, [x0, #8]            // STATUS, sign-extended to 64 bits (SSE=1, SF=1)
    ldr     x5, [x0, #16]           // a 64-bit counter: one 8-byte fault, not two halves
    ldp     w6, w7, [x0, #24]       // a pair: ISV=0 on hardware, emulated here anyway
    add     x9, x0, #0x30
    ldr     w8, [x9], #4            // post-index writeback: ISV=0, x9 moves on
    ldar    w10, [x0]               // acquire load: AR=1
    adr     x12, message
1:  ldrb    w11, [x12], #1          // string bytes come from RAM: no faults
    cbz     w11, 2f
    strb    w11, [x0, #0x40]        // UART transmit register
    b       1b
2:  str     x5, [x0, #0x48]         // 8-byte store
    wfi                             // done: the run ends with an HLT exit
message:
    .asciz  "hello from the guest\n"
