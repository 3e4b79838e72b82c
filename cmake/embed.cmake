# Embed a binary file as a C array: cmake -DIN=file -DOUT=file.c -DNAME=name -P embed.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE ${OUT} "/* generated from ${IN} by cmake/embed.cmake */\n#include <stddef.h>\n"
  "const unsigned char vmf_guest_${NAME}[] = {${body}};\n"
  "const size_t vmf_guest_${NAME}_len = ${len};\n")
