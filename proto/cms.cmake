# RFC 6492 section 3.1 CMS profile: encoder, decoder, verifier; and the DER
# reading and writing helpers (proto/der.h) the codecs share.
add_library(proto_cms STATIC
	${CMAKE_CURRENT_SOURCE_DIR}/cms_cert.c
	${CMAKE_CURRENT_SOURCE_DIR}/cms_decode.c
	${CMAKE_CURRENT_SOURCE_DIR}/cms_sign.c
	${CMAKE_CURRENT_SOURCE_DIR}/cms_verify.c
	${CMAKE_CURRENT_SOURCE_DIR}/der_read.c
	${CMAKE_CURRENT_SOURCE_DIR}/der_write.c)
target_include_directories(proto_cms PUBLIC ${PROTO_INCLUDE})
target_link_libraries(proto_cms PUBLIC mbedx509 mbedcrypto)
