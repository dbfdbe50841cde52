//! Parsing of the command line (clap) where zkCli.sh habits meet clap's rules: `-v -1` (any
//! version) as a number rather than a flag, and `create -t TTL`.

use clap::Parser as _;

use super::*;

/// `zk ARGS`, parsed.
fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("zk").chain(args.iter().copied()))
}

#[test]
fn version_minus_one_means_any_version() {
    for args in [
        &["set", "/a", "x", "-v", "-1"][..],
        &["set", "-v", "-1", "/a", "x"],
        &["set", "/a", "x", "--version=-1"],
    ] {
        match parse(args)
            .map(|cli| cli.command)
            .map_err(|e| e.to_string())
        {
            Ok(Command::Set(a)) => assert_eq!(a.version, Some(-1), "{args:?}"),
            other => panic!("{args:?}: {other:?}"),
        }
    }
    match parse(&["rm", "-v", "-1", "/a"])
        .map(|cli| cli.command)
        .map_err(|e| e.to_string())
    {
        Ok(Command::Rm(a)) => assert_eq!(a.version, Some(-1)),
        other => panic!("rm -v -1: {other:?}"),
    }
    match parse(&["setacl", "-v", "-1", "/a", "world:anyone:r"])
        .map(|cli| cli.command)
        .map_err(|e| e.to_string())
    {
        Ok(Command::Setacl(a)) => assert_eq!(a.version, Some(-1)),
        other => panic!("setacl -v -1: {other:?}"),
    }
    // Still a number: a flag after -v is not taken as its value.
    assert!(parse(&["rm", "-v", "-r", "/a"]).is_err());
    assert!(parse(&["set", "/a", "x", "-v", "-x"]).is_err());
}

#[test]
fn create_ttl_has_the_short_flag_of_zkcli() {
    match parse(&["create", "-t", "60000", "/t", "x"])
        .map(|cli| cli.command)
        .map_err(|e| e.to_string())
    {
        Ok(Command::Create(a)) => assert_eq!(a.ttl, Some(60000)),
        other => panic!("create -t: {other:?}"),
    }
    match parse(&["create", "-s", "-t", "5", "/t-"])
        .map(|cli| cli.command)
        .map_err(|e| e.to_string())
    {
        Ok(Command::Create(a)) => assert_eq!(a.ttl, Some(5)),
        other => panic!("create -s -t: {other:?}"),
    }
    assert!(parse(&["create", "-t", "0", "/t"]).is_err());
    assert!(parse(&["create", "-c", "-t", "5", "/t"]).is_err());
}
