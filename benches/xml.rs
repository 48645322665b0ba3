//! Parse and write throughput of SCA documents, beside bare quick-xml event reading of the
//! same bytes (the floor any quick-xml based decoder sits on).
//!
//! Run: `cargo bench --bench xml`. Each benchmark handles one document per iteration, so
//! documents/s = 1 / time; criterion prints MB/s from `Throughput::Bytes`.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quick_xml::Reader;
use quick_xml::events::Event;
use sca_ws::xml::{Response, Transaction};

/// SESSION START as the seed shows it, plus the COUNTER a registered POS adds: 250 bytes.
const SESSION_START: &str = "<TRANSACTION>
<FUNCTION_TYPE>SESSION</FUNCTION_TYPE>
<COMMAND>START</COMMAND>
<BUSINESSDATE>20210709</BUSINESSDATE>
<SWIPE_AHEAD>1</SWIPE_AHEAD>
<TRAINING_MODE>0</TRAINING_MODE>
<INVOICE>1234567</INVOICE>
<COUNTER>1700000017</COUNTER>
</TRANSACTION>
";

/// A LINE_ITEM ADD with nested MERCHANDISE groups, about 2 KiB.
fn line_item_document() -> String {
    let mut doc = String::from(
        "<TRANSACTION>\n  <FUNCTION_TYPE>LINE_ITEM</FUNCTION_TYPE>\n  <COMMAND>ADD</COMMAND>\n  \
         <COUNTER>1234</COUNTER>\n  <MAC>pWa1DZ6ZJzq0Nuz7kq4pW+sFW9lwm9F6H0Hc8r2dJwQ=</MAC>\n  \
         <MAC_LABEL>P_8</MAC_LABEL>\n  <RUNNING_SUB_TOTAL>54.20</RUNNING_SUB_TOTAL>\n  \
         <RUNNING_TAX_AMOUNT>4.34</RUNNING_TAX_AMOUNT>\n  <LINE_ITEMS>\n",
    );
    for i in 0..7 {
        doc.push_str(&format!(
            "    <MERCHANDISE>\n      <LINE_ITEM_ID>{i}</LINE_ITEM_ID>\n      \
             <DESCRIPTION>Item &amp; co. #{i}</DESCRIPTION>\n      <UNIT_PRICE>7.{i}0</UNIT_PRICE>\n      \
             <QUANTITY>1</QUANTITY>\n      <EXTENDED_PRICE>7.{i}0</EXTENDED_PRICE>\n      \
             <SKU>00{i}4455667788</SKU>\n    </MERCHANDISE>\n"
        ));
    }
    doc.push_str("  </LINE_ITEMS>\n</TRANSACTION>\n");
    doc
}

/// The floor: read every event of `doc` with quick-xml, touching each payload.
fn quick_xml_events(doc: &[u8]) -> usize {
    let mut reader = Reader::from_reader(doc);
    let mut seen = 0;
    // Bounded: each event consumes input and Eof ends the loop.
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => return seen,
            Ok(event) => seen += event.len(),
        }
    }
}

fn bench_document(c: &mut Criterion, label: &str, doc: &[u8]) {
    let transaction = Transaction::decode(doc).expect("bench document parses");
    let mut group = c.benchmark_group(format!("xml/{label}"));
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group.bench_function("quick_xml_events_floor", |b| {
        b.iter(|| quick_xml_events(black_box(doc)))
    });
    group.bench_function("decode", |b| b.iter(|| Transaction::decode(black_box(doc))));
    let mut out = BytesMut::with_capacity(4096);
    group.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            black_box(&transaction).encode(&mut out);
            out.len()
        })
    });
    // What the terminal does per request: parse it, build the answer, write the answer.
    group.bench_function("decode_answer_encode", |b| {
        b.iter(|| {
            out.clear();
            let request = Transaction::decode(black_box(doc)).ok()?;
            let mut response =
                Response::success("Session Started").with_counter(request.counter()?.ok()?);
            response.push_field("TRAINING_MODE", "OFF").ok()?;
            response.encode(&mut out);
            Some(out.len())
        })
    });
    group.finish();
}

fn xml(c: &mut Criterion) {
    bench_document(c, "session_start_250B", SESSION_START.as_bytes());
    let line_item = line_item_document();
    bench_document(c, "line_item_2KiB", line_item.as_bytes());
}

criterion_group!(benches, xml);
criterion_main!(benches);
