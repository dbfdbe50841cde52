//! ZooKeeper data files.
