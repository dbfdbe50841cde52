//! Curator's `ServiceInstance` and its JSON, as `JsonInstanceSerializer` writes and reads it:
//! field names and order, `null`s, the `enabled` field (left out by Curator's default,
//! compatible serializer), and the payload with Jackson's type information.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::uri::UriSpec;
use crate::error::Error;

/// The JSON key Jackson writes the payload's Java class under, in an object payload.
pub const CLASS_KEY: &str = "@class";

/// How an instance is registered (Curator's `ServiceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceType {
    /// An ephemeral node at `<base>/<name>/<id>`, kept in place while the session (or its
    /// re-created successor) lives.
    Dynamic,
    /// A persistent node, until unregistered.
    Static,
    /// A persistent node, until unregistered (Curator treats it as `Static`).
    Permanent,
    /// An ephemeral sequential node `<base>/<name>/<id><sequence>`.
    DynamicSequential,
}

impl ServiceType {
    /// The name as Java writes it (`DYNAMIC`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::Dynamic => "DYNAMIC",
            ServiceType::Static => "STATIC",
            ServiceType::Permanent => "PERMANENT",
            ServiceType::DynamicSequential => "DYNAMIC_SEQUENTIAL",
        }
    }

    /// Whether it lives with the session (`DYNAMIC`, `DYNAMIC_SEQUENTIAL`).
    pub fn is_dynamic(self) -> bool {
        matches!(self, ServiceType::Dynamic | ServiceType::DynamicSequential)
    }
}

/// One registered instance of a service, field for field Curator's `ServiceInstance`.
///
/// `payload` is the JSON value as Jackson writes it, type information included, so that
/// what a Java service registered reads back equal in Java after a round trip through Rust:
/// an object payload carries its Java class under `"@class"`, a list is written
/// `["java.util.ArrayList",[...]]`, strings, numbers and booleans are plain.
/// [`ServiceInstance::payload_value`] strips that information;
/// [`ServiceInstanceBuilder::typed_payload`] adds it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceInstance {
    /// The service's name (the node `<base>/<name>`).
    #[serde(default)]
    pub name: String,
    /// This instance's id, unique within the service (its node's name).
    #[serde(default)]
    pub id: String,
    /// Its address (host name or IP).
    #[serde(default)]
    pub address: Option<String>,
    /// Its port.
    #[serde(default)]
    pub port: Option<i32>,
    /// Its SSL port.
    #[serde(default)]
    pub ssl_port: Option<i32>,
    /// Application data, as Jackson writes it (see the type's docs).
    #[serde(default)]
    pub payload: Option<Value>,
    /// When it was registered, in milliseconds since the Unix epoch.
    #[serde(default, rename = "registrationTimeUTC")]
    pub registration_time_utc: i64,
    /// How it is registered (`None` only when a peer wrote `null`).
    #[serde(default = "dynamic")]
    pub service_type: Option<ServiceType>,
    /// A URI template for it.
    #[serde(default)]
    pub uri_spec: Option<UriSpec>,
    /// Whether providers hand it out (true when the JSON has no `enabled` field).
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn dynamic() -> Option<ServiceType> {
    Some(ServiceType::Dynamic)
}

fn enabled() -> bool {
    true
}

/// The JSON in Curator's field order; `enabled` only when asked for.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    name: &'a str,
    id: &'a str,
    address: &'a Option<String>,
    port: Option<i32>,
    ssl_port: Option<i32>,
    payload: &'a Option<Value>,
    #[serde(rename = "registrationTimeUTC")]
    registration_time_utc: i64,
    service_type: Option<ServiceType>,
    uri_spec: &'a Option<UriSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
}

impl ServiceInstance {
    /// A builder for an instance of service `name`, with a random UUID as its id, the
    /// registration time now, and type `DYNAMIC` (as Curator's `ServiceInstance.builder()`;
    /// the address is left unset rather than guessed from the network interfaces).
    pub fn builder(name: &str) -> ServiceInstanceBuilder {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        ServiceInstanceBuilder {
            instance: ServiceInstance {
                name: name.to_owned(),
                id: zk_client::random_uuid(),
                address: None,
                port: None,
                ssl_port: None,
                payload: None,
                registration_time_utc: now,
                service_type: Some(ServiceType::Dynamic),
                uri_spec: None,
                enabled: true,
            },
        }
    }

    /// The JSON Curator's `JsonInstanceSerializer` writes: with `with_enabled` false, as its
    /// default (compatible) mode, without the `enabled` field; with true, as
    /// `JsonInstanceSerializer(payloadClass, false)`. A disabled instance carries
    /// `"enabled":false` either way: Curator's compatible mode drops it, and the instance
    /// then reads back as enabled.
    pub fn to_json(&self, with_enabled: bool) -> Vec<u8> {
        let wire = Wire {
            name: &self.name,
            id: &self.id,
            address: &self.address,
            port: self.port,
            ssl_port: self.ssl_port,
            payload: &self.payload,
            registration_time_utc: self.registration_time_utc,
            service_type: self.service_type,
            uri_spec: &self.uri_spec,
            enabled: (with_enabled || !self.enabled).then_some(self.enabled),
        };
        // Plain data with string keys: serialisation cannot fail.
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Reads an instance from its node's data (`path` names it in the error), as Curator's
    /// serializer does: unknown fields are ignored, missing ones take Curator's defaults.
    pub fn from_json(path: &str, data: &[u8]) -> Result<ServiceInstance, Error> {
        serde_json::from_slice(data).map_err(|e| Error::BadInstance {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    /// The payload without Jackson's type information: an object without its `"@class"`,
    /// a list without its class name.
    pub fn payload_value(&self) -> Option<Value> {
        self.payload.as_ref().map(|p| match p {
            Value::Object(map) => {
                let mut map = map.clone();
                map.remove(CLASS_KEY);
                Value::Object(map)
            }
            Value::Array(wrapped) if wrapped.len() == 2 && wrapped[0].is_string() => {
                wrapped[1].clone()
            }
            other => other.clone(),
        })
    }

    /// The payload's Java class, when the JSON names one.
    pub fn payload_class(&self) -> Option<&str> {
        match self.payload.as_ref()? {
            Value::Object(map) => map.get(CLASS_KEY)?.as_str(),
            Value::Array(wrapped) if wrapped.len() == 2 => wrapped[0].as_str(),
            _ => None,
        }
    }

    /// The instance's URI from its [`UriSpec`] (empty without one), `variables` overriding
    /// the predefined ones (Curator's `buildUriSpec`).
    pub fn build_uri(&self, variables: &HashMap<String, String>) -> String {
        self.uri_spec
            .as_ref()
            .map(|spec| spec.build(Some(self), variables))
            .unwrap_or_default()
    }

    /// Checks that the name and id can be node names.
    pub fn validate(&self) -> Result<(), Error> {
        for (what, value) in [("name", &self.name), ("id", &self.id)] {
            let bad = value.is_empty() || value == "." || value == ".." || value.contains('/');
            if bad || zk_client::validate_path(&format!("/{value}"), false).is_err() {
                return Err(Error::InvalidInstance {
                    id: self.id.clone(),
                    reason: format!(
                        "expected the {what} to be a ZooKeeper node name, found {value:?}"
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Builds a [`ServiceInstance`] (from [`ServiceInstance::builder`]).
#[derive(Debug, Clone)]
#[must_use]
pub struct ServiceInstanceBuilder {
    instance: ServiceInstance,
}

impl ServiceInstanceBuilder {
    /// The id (default: a random UUID).
    pub fn id(mut self, id: &str) -> Self {
        self.instance.id = id.to_owned();
        self
    }

    /// The address.
    pub fn address(mut self, address: &str) -> Self {
        self.instance.address = Some(address.to_owned());
        self
    }

    /// The port.
    pub fn port(mut self, port: i32) -> Self {
        self.instance.port = Some(port);
        self
    }

    /// The SSL port.
    pub fn ssl_port(mut self, port: i32) -> Self {
        self.instance.ssl_port = Some(port);
        self
    }

    /// The payload, exactly as it is to be written (see [`ServiceInstance`]).
    pub fn payload(mut self, payload: Value) -> Self {
        self.instance.payload = Some(payload);
        self
    }

    /// The payload with Jackson's type information for Java class `class`: an object gets
    /// `"@class": class`, a list becomes `[class, list]`, other values stay as they are. A
    /// Java service reading with payload class `Object` (or `class`) gets it back.
    pub fn typed_payload(mut self, class: &str, payload: Value) -> Self {
        let typed = match payload {
            Value::Object(mut map) => {
                map.insert(CLASS_KEY.to_owned(), Value::String(class.to_owned()));
                Value::Object(map)
            }
            Value::Array(list) => Value::Array(vec![class.into(), Value::Array(list)]),
            other => other,
        };
        self.instance.payload = Some(typed);
        self
    }

    /// The registration time, in milliseconds since the Unix epoch (default: now).
    pub fn registration_time_utc(mut self, millis: i64) -> Self {
        self.instance.registration_time_utc = millis;
        self
    }

    /// How it is registered (default: `DYNAMIC`).
    pub fn service_type(mut self, service_type: ServiceType) -> Self {
        self.instance.service_type = Some(service_type);
        self
    }

    /// A URI template.
    pub fn uri_spec(mut self, spec: UriSpec) -> Self {
        self.instance.uri_spec = Some(spec);
        self
    }

    /// Whether providers hand it out (default: true).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.instance.enabled = enabled;
        self
    }

    /// The instance; an error if its name or id cannot be a node name.
    pub fn build(self) -> Result<ServiceInstance, Error> {
        self.instance.validate()?;
        Ok(self.instance)
    }
}

/// Building a URI from an instance lives beside the instance, so that the template's own
/// module does not depend on it.
impl UriSpec {
    /// The URI for `instance` (if any), `variables` overriding the predefined ones; a
    /// variable without a value is left out, as Curator does.
    pub fn build(
        &self,
        instance: Option<&ServiceInstance>,
        variables: &HashMap<String, String>,
    ) -> String {
        let mut values: HashMap<&str, String> = HashMap::new();
        values.insert("[", "{".into());
        values.insert("]", "}".into());
        values.insert("scheme", "http".into());
        if let Some(i) = instance {
            let text = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
            values.insert("name", i.name.clone());
            values.insert("id", i.id.clone());
            values.insert("address", i.address.clone().unwrap_or_default());
            values.insert("port", text(i.port));
            values.insert("ssl-port", text(i.ssl_port));
            values.insert("registration-time-utc", i.registration_time_utc.to_string());
            let service_type = i.service_type.map(|t| t.as_str().to_lowercase());
            values.insert("service-type", service_type.unwrap_or_default());
            if i.ssl_port.is_some() {
                values.insert("scheme", "https".into());
            }
        }
        for (k, v) in variables {
            values.insert(k, v.clone());
        }
        let mut out = String::new();
        for part in &self.parts {
            if !part.variable {
                out.push_str(&part.value);
            } else if let Some(v) = values.get(part.value.as_str()) {
                out.push_str(v);
            }
        }
        out
    }
}
