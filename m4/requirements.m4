dnl requirements.m4: the one list of libraries ktstr builds against.
dnl configure.ac includes it (each row a PKG_CHECK_MODULES that names the
dnl Debian package on failure); scripts/setup.sh reads the same rows to
dnl know what to install and to check, after installing, that every
dnl module resolves.  Add a library here and nowhere else.
dnl
dnl   KT_REQUIRE([VAR], [pkg-config module and version], [Debian package])
dnl   KT_OPTIONAL([VAR], [module and version], [Debian package], [what needs it])
dnl
dnl libtracefs and libtraceevent are listed although ktstr calls only
dnl libtracecmd: libtracecmd.pc requires libtracefs (whose .pc requires
dnl libtraceevent), and Debian's libtracecmd-dev depends on neither -dev
dnl package, so a new machine lacks them unless asked for by name.
KT_REQUIRE([YAML], [yaml-0.1 >= 0.2], [libyaml-dev])
KT_REQUIRE([CJSON], [libcjson >= 1.7], [libcjson-dev])
KT_REQUIRE([PCRE2], [libpcre2-8 >= 10.30], [libpcre2-dev])
KT_REQUIRE([BPF], [libbpf >= 0.8], [libbpf-dev])
KT_REQUIRE([ELF], [libelf >= 0.170], [libelf-dev])
KT_REQUIRE([TRACEEVENT], [libtraceevent >= 1.5], [libtraceevent-dev])
KT_REQUIRE([TRACEFS], [libtracefs >= 1.6], [libtracefs-dev])
KT_REQUIRE([TRACECMD], [libtracecmd >= 1.3], [libtracecmd-dev])
KT_REQUIRE([ZLIB], [zlib >= 1.2], [zlib1g-dev])
KT_OPTIONAL([CMOCKA], [cmocka >= 1.1], [libcmocka-dev], [make check])
