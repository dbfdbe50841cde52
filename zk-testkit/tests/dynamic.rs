//! The reconfigurable ensemble of the kit: members serve with reconfiguration enabled, a
//! joiner follows the leader without being a member, and every server goes with the value.
use zk_testkit::{four_letter_word, DynamicEnsemble, Mode};

#[test]
fn a_joiner_follows_without_being_a_member_until_reconfigured() {
    let mut ens = DynamicEnsemble::start(1, Default::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ens.mode(1), Some(Mode::Leader));
    assert_eq!(ens.membership().unwrap(), [1]);
    let conf = four_letter_word(ens.client_port(1), "conf").unwrap();
    assert!(conf.contains(&ens.spec(1)), "{conf}");
    let joiner = ens.start_joiner().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(joiner, 2);
    assert_eq!(ens.mode(2), Some(Mode::Follower));
    // It adopted the leader's configuration, where it is not listed.
    assert_eq!(ens.membership().unwrap(), [1]);
    let conf = four_letter_word(ens.client_port(2), "conf").unwrap();
    assert!(
        conf.contains(&ens.spec(1)) && !conf.contains("server.2="),
        "{conf}"
    );
    assert_eq!(ens.ids(), [1, 2]);
    let port = ens.client_port(2);
    ens.stop(2);
    assert!(four_letter_word(port, "ruok").is_err());
    assert_eq!(ens.mode(2), None);
    let first = ens.client_port(1);
    drop(ens);
    assert!(four_letter_word(first, "ruok").is_err());
}
