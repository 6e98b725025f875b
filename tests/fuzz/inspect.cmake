# Fuzz target for updownctl inspect's decoders (sources in tools/).
set(_insp ${CMAKE_SOURCE_DIR}/tools)
add_library(fuzz_inspect_decoders STATIC
	${_insp}/json_out.c ${_insp}/inspect_der.c ${_insp}/inspect_ber.c
	${_insp}/inspect_cert.c ${_insp}/inspect_crl.c ${_insp}/inspect_sobj.c
	${_insp}/inspect_tal.c ${_insp}/inspect_xlog.c ${_insp}/child_csr.c ${_insp}/child_id.c
	${_insp}/ctl_util.c)
target_include_directories(fuzz_inspect_decoders PUBLIC ${_insp})
target_link_libraries(fuzz_inspect_decoders PUBLIC crypto_pub crypto_cert crypto_csr
	crypto_signer proto_oob proto_updown proto_cms proto_res proto_xlog mbedx509 mbedcrypto)
updown_fuzzer(inspect SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_inspect.c
	LIBS fuzz_inspect_decoders)
