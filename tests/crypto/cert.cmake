# Tests of crypto/cert (RFC 6487 certificates, TA and TAL, BPKI, import;
# UD-25, UD-69, UD-80..UD-98, UD-100, UD-142). Shared helpers in
# test_cert_util.c. RSA key generation dominates the run time.
set(_cert_util ${CMAKE_CURRENT_SOURCE_DIR}/test_cert_util.c)
updown_test(test_cert
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cert.c ${_cert_util}
	LIBS crypto_cert crypto_signer proto_cms proto_res proto_updown TIMEOUT 300)
updown_test(test_cert_import
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cert_import.c ${_cert_util}
	LIBS crypto_cert crypto_signer proto_cms proto_res TIMEOUT 300)
updown_test(test_cert_bpki
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cert_bpki.c ${_cert_util}
	LIBS crypto_cert crypto_signer proto_cms proto_res TIMEOUT 300)
updown_test(test_cert_hsm
	SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cert_hsm.c ${_cert_util}
	LIBS crypto_cert crypto_signer softhsm_fixture proto_cms proto_res TIMEOUT 300)
