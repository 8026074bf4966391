//! `guardhouse serve`'s metrics: core's [`Metric`]s (names, help, labels and what each
//! event adds, `guardhouse_core::metrics`) kept in a prometheus-client registry and
//! encoded as Prometheus text for `GET /metrics`.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use guardhouse_core::Evaluation;
use guardhouse_core::metrics::{self as core, Kind, Metric, Observation, Source};

/// The `content-type` of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// A series' labels: the metric's label names, each with this series' value.
type Labels = Vec<(&'static str, String)>;

/// Makes a histogram with a metric's buckets.
#[derive(Clone)]
struct Buckets(&'static [f64]);

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(self.0.iter().copied())
    }
}

/// One metric's family of series.
enum Series {
    Counter(Family<Labels, Counter>),
    Gauge(Family<Labels, Gauge>),
    Histogram(Family<Labels, Histogram, Buckets>),
}

/// Every metric of [`Metric::ALL`], registered once; shared by the whole server.
pub struct Metrics {
    registry: Registry,
    /// Indexed like [`Metric::ALL`].
    series: Vec<Series>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let mut series = Vec::with_capacity(Metric::ALL.len());
        for metric in Metric::ALL {
            let (name, help) = (metric.name(), metric.help());
            let family = match metric.kind() {
                Kind::Counter => {
                    let family = Family::default();
                    registry.register(name, help, family.clone());
                    Series::Counter(family)
                }
                Kind::Gauge => {
                    let family = Family::default();
                    registry.register(name, help, family.clone());
                    Series::Gauge(family)
                }
                Kind::Histogram(buckets) => {
                    let family = Family::new_with_constructor(Buckets(buckets));
                    registry.register(name, help, family.clone());
                    Series::Histogram(family)
                }
            };
            series.push(family);
        }
        Self { registry, series }
    }

    /// Records what core says some events add.
    pub fn record(&self, observations: &[Observation]) {
        for o in observations {
            let index = Metric::ALL.iter().position(|m| *m == o.metric);
            let Some(series) = index.map(|i| &self.series[i]) else {
                continue;
            };
            let labels: Labels = o
                .metric
                .labels()
                .iter()
                .zip(&o.labels)
                .map(|(name, value)| (*name, value.to_string()))
                .collect();
            match series {
                Series::Counter(f) => {
                    f.get_or_create(&labels).inc_by(o.value as u64);
                }
                Series::Gauge(f) => {
                    f.get_or_create(&labels).set(o.value as i64);
                }
                Series::Histogram(f) => f.get_or_create(&labels).observe(o.value),
            }
        }
    }

    /// Records a chain evaluation that came from `source`.
    pub fn evaluation(&self, source: Source, evaluation: &Evaluation) {
        self.record(&core::evaluation(source, evaluation));
    }

    /// Every series, in the Prometheus text format (0.0.4).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String does not fail.
        let _ = prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// `app` with every request timed until its response head (refused ones too: wrap the
/// app after its access checks).
pub fn measured(app: Router, metrics: Arc<Metrics>) -> Router {
    app.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let metrics = metrics.clone();
            async move {
                let start = Instant::now();
                let path = request.uri().path().to_string();
                let method = request.method().clone();
                let response = next.run(request).await;
                let seconds = start.elapsed().as_secs_f64();
                let status = response.status().as_u16();
                metrics.record(&[core::request(&path, method.as_str(), status, seconds)]);
                response
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardhouse_core::metrics::ExchangeOutcome;
    use guardhouse_core::trace::FailureInfo;
    use guardhouse_core::{GuardTrace, Phase, Verdict, Warning};
    use prometheus_parse::{LineInfo, Scrape, Value};

    /// A guard that failed open after 1.5 ms and 2,000 fuel.
    fn failed_open() -> Evaluation {
        Evaluation {
            phase: Phase::Response,
            decision: Verdict::Warn,
            deny: None,
            payload: None,
            warnings: vec![Warning {
                guard: "g".into(),
                message: "failed open: …".into(),
            }],
            trace: vec![GuardTrace {
                guard: "g".into(),
                hook: Phase::Response.hook().into(),
                decision: "allow".into(),
                code: None,
                failure: Some(FailureInfo {
                    kind: "trap".into(),
                    message: "…".into(),
                }),
                duration_us: 1_500,
                fuel_used: Some(2_000),
                logs: Vec::new(),
                audit: false,
            }],
        }
    }

    /// Parses `text` as a scraper would; every line must be one the parser understands.
    fn scrape(text: &str) -> Scrape {
        for line in text.lines() {
            assert!(
                !matches!(LineInfo::parse(line), LineInfo::Ignored),
                "unparsed line: {line}"
            );
        }
        Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap()
    }

    #[test]
    fn every_metric_is_described_and_observations_land_in_their_series() {
        let metrics = Metrics::new();
        metrics.evaluation(Source::Proxy, &failed_open());
        metrics.record(&core::startup(1));
        metrics.record(&core::reload(Some(2)));
        let exchange = core::exchange("POST", "tools/call", ExchangeOutcome::Denied);
        metrics.record(&[exchange.clone(), exchange]);
        metrics.record(&[core::request("/v1/test", "POST", 200, 0.003)]);
        let text = metrics.encode();
        let parsed = scrape(&text);
        for metric in Metric::ALL {
            let name = match metric.kind() {
                Kind::Counter => format!("{}_total", metric.name()),
                _ => metric.name().to_string(),
            };
            assert!(
                parsed
                    .docs
                    .get(&name)
                    .is_some_and(|d| d.starts_with(metric.help())),
                "{name}: {text}"
            );
        }
        let value = |name: &str, labels: &[(&str, &str)]| {
            let sample = parsed.samples.iter().find(|s| {
                s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
            });
            sample.map(|s| s.value.clone())
        };
        let exchanges = [("mcp_method", "tools/call"), ("outcome", "denied")];
        assert_eq!(
            value("guardhouse_proxy_exchanges_total", &exchanges),
            Some(Value::Counter(2.0))
        );
        assert_eq!(
            value("guardhouse_config_generation", &[]),
            Some(Value::Gauge(2.0))
        );
        let reloads = |result| value("guardhouse_config_reloads_total", &[("result", result)]);
        assert_eq!(reloads("success"), Some(Value::Counter(1.0)));
        assert_eq!(reloads("failure"), Some(Value::Counter(0.0)));
        let Some(Value::Histogram(buckets)) = value(
            "guardhouse_http_request_duration_seconds",
            &[("route", "/v1/test"), ("status", "200")],
        ) else {
            panic!("no request histogram: {text}")
        };
        let count = |le: f64| buckets.iter().find(|b| b.less_than == le).map(|b| b.count);
        assert_eq!((count(0.0025), count(0.005)), (Some(0.0), Some(1.0)));
        let failures = [("guard", "g"), ("phase", "response"), ("kind", "trap")];
        assert_eq!(
            value("guardhouse_guard_failures_total", &failures),
            Some(Value::Counter(1.0))
        );
        let Some(Value::Histogram(fuel)) = value("guardhouse_guard_fuel_used", &[("guard", "g")])
        else {
            panic!("no fuel histogram: {text}")
        };
        let count = |le: f64| fuel.iter().find(|b| b.less_than == le).map(|b| b.count);
        assert_eq!((count(1e3), count(1e4)), (Some(0.0), Some(1.0)));
    }
}
