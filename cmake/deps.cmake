# Dependencies, all from Debian packages (scripts/setup.sh installs them).
# Each becomes an IMPORTED target so that directories link only what they use.
find_package(PkgConfig REQUIRED)

# mbed TLS 2.28 (libmbedtls-dev) ships no pkg-config or CMake files.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/version.h REQUIRED)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
find_library(MBEDX509_LIBRARY mbedx509 REQUIRED)
find_library(MBEDTLS_LIBRARY mbedtls REQUIRED)
file(STRINGS ${MBEDTLS_INCLUDE_DIR}/mbedtls/version.h _mbedtls_ver
	REGEX "^#define MBEDTLS_VERSION_STRING ")
if(NOT _mbedtls_ver MATCHES "\"2\\.28\\.")
	message(FATAL_ERROR "mbed TLS 2.28 is required, found: ${_mbedtls_ver}")
endif()
add_library(mbedcrypto UNKNOWN IMPORTED)
set_target_properties(mbedcrypto PROPERTIES IMPORTED_LOCATION ${MBEDCRYPTO_LIBRARY}
	INTERFACE_INCLUDE_DIRECTORIES ${MBEDTLS_INCLUDE_DIR})
add_library(mbedx509 UNKNOWN IMPORTED)
set_target_properties(mbedx509 PROPERTIES IMPORTED_LOCATION ${MBEDX509_LIBRARY}
	INTERFACE_LINK_LIBRARIES mbedcrypto)

pkg_check_modules(MXML REQUIRED IMPORTED_TARGET mxml>=3.3)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(P11KIT REQUIRED IMPORTED_TARGET p11-kit-1)
# OpenSSL 3's libcrypto (libssl-dev): RSA signature checks and SHA-256 on
# the request path (crypto/verify.h). SoftHSM is built on it too.
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto>=3.0)

find_program(OPENSSL_EXE openssl REQUIRED)
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)
