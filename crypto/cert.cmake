# crypto/cert: every certificate the CA signs (RFC 6487 CA and EE
# certificates, the RPKI trust anchor and its TAL, the BPKI certificates),
# written by our own TBSCertificate writer on mbed TLS asn1write and signed
# through the signer; and the parser for our own / a parent's CA certificate.
add_library(crypto_cert STATIC
	${CMAKE_CURRENT_LIST_DIR}/cert.c
	${CMAKE_CURRENT_LIST_DIR}/cert_parse.c
	${CMAKE_CURRENT_LIST_DIR}/cert_tal.c
	${CMAKE_CURRENT_LIST_DIR}/cert_write.c)
target_include_directories(crypto_cert PUBLIC ${CRYPTO_INCLUDE})
target_link_libraries(crypto_cert PUBLIC crypto_signer proto_res proto_cms proto_updown
	mbedx509 mbedcrypto)
