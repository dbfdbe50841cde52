//! `code_enum!`: an `i32`-valued protocol enum with checked conversion from the wire value.

/// Defines a `#[repr(i32)]` enum with explicit values, `TryFrom<i32>` (rejecting unknown values
/// with [`super::UnknownCode`]), `From<Enum> for i32`, `as_str` (the upstream Java name),
/// `Display` and an `ALL` list.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i32)]
        pub enum $name {
            $( $(#[$vmeta])* $variant = $value, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[ $( Self::$variant, )* ];

            /// The wire value.
            pub const fn code(self) -> i32 {
                self as i32
            }

            /// The upstream Java name of this value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )*
                }
            }
        }

        impl ::core::convert::TryFrom<i32> for $name {
            type Error = $crate::vocab::UnknownCode;

            fn try_from(value: i32) -> Result<Self, $crate::vocab::UnknownCode> {
                match value {
                    $( $value => Ok(Self::$variant), )*
                    _ => Err($crate::vocab::UnknownCode { kind: stringify!($name), value }),
                }
            }
        }

        impl From<$name> for i32 {
            fn from(value: $name) -> i32 {
                value as i32
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use code_enum;

#[cfg(test)]
mod tests {
    use crate::vocab::UnknownCode;

    code_enum! {
        /// Test enum.
        pub enum Sample {
            /// A.
            A = -3 => "a",
            /// B.
            B = 7 => "bee",
        }
    }

    #[test]
    fn conversions() {
        assert_eq!(Sample::try_from(-3), Ok(Sample::A));
        assert_eq!(Sample::try_from(7), Ok(Sample::B));
        assert_eq!(
            Sample::try_from(0),
            Err(UnknownCode {
                kind: "Sample",
                value: 0
            })
        );
        assert_eq!(i32::from(Sample::B), 7);
        assert_eq!(Sample::B.to_string(), "bee");
        assert_eq!(Sample::ALL, &[Sample::A, Sample::B]);
        assert_eq!(
            UnknownCode {
                kind: "Sample",
                value: 0
            }
            .to_string(),
            "unknown Sample 0"
        );
    }
}
