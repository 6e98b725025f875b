# proto/res fuzz targets: RFC 6492 text round trip and RFC 3779 DER round trip.
updown_fuzzer(res_text SOURCE ${CMAKE_CURRENT_LIST_DIR}/fuzz_res_text.c LIBS proto_res)
updown_fuzzer(res_der SOURCE ${CMAKE_CURRENT_LIST_DIR}/fuzz_res_der.c LIBS proto_res)
