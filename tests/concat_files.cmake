# cmake -DOUT=<file> -DIN=<a;b;...> -P concat_files.cmake: writes the files' texts, one after
# the other, to OUT (settings_help_test scans the option parsers as one text).
file(WRITE ${OUT} "")
foreach(f ${IN})
  file(READ ${f} text)
  file(APPEND ${OUT} "${text}")
endforeach()
